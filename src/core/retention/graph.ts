import pLimit from 'p-limit';
import { CancelledError, environmentError, ReleaseOperatorError } from '../errors';
import {
  type CallOptions,
  type RegistryClient,
  isAttestation,
  isImageManifest,
  isIndex,
  platformString,
  repositoryName,
  type ImageReference,
  type ManifestResult,
} from '../registry';
import { artifactTagSubject, type ArtifactTagKind } from './artifact-tags';

type Repo = Pick<ImageReference, 'registry' | 'repository'>;

/** How one manifest hangs off another: an index's entries, or a referrer of its subject. */
export type EdgeRole = 'platform' | 'attestation' | 'child' | ArtifactTagKind | 'referrer';

export interface Edge {
  digest: string;
  role: EdgeRole;
  /** os/arch of a platform entry; for an attestation, the platform it describes when the index says. */
  platform?: string;
  /** The artifact tag that carries the edge (cosign and tag-schema referrers). */
  tag?: string;
}

export interface GraphNode {
  digest: string;
  mediaType: string;
  kind: 'index' | 'manifest';
  /** Manifests this one keeps alive: index entries, and its referrers (signatures, attestations, SBOMs). */
  edges: Edge[];
  /** The manifest it refers to (OCI 1.1 subject), if any. */
  subject?: string;
  /** org.opencontainers.image.created from the manifest's annotations, when set. */
  created?: string;
  /** The config blob of an image manifest (its `created` dates an image without the annotation). */
  config?: string;
}

/** A repository as a graph of manifests: what every tag points at and what every manifest keeps alive. */
export interface RepoGraph {
  repository: string;
  /** Every tag with the digest it pointed at when read. */
  tags: Map<string, string>;
  nodes: Map<string, GraphNode>;
  /** Whether the registry has the OCI 1.1 referrers API (asked once). */
  referrersApi: boolean;
  /**
   * Artifact tags (sha256-<hex>.sig, sha256-<hex>) whose subject no tag reaches: 'missing' when the registry no
   * longer has the subject (an orphan prune may delete), 'untagged' when it has it under no tag (left alone).
   */
  dangling: Map<string, 'missing' | 'untagged'>;
}

export interface ReadGraphOptions extends CallOptions {
  /** Tag -> digest when already known (the GitHub Packages API lists both); else each tag is read by name. */
  tagDigests?: Map<string, string>;
  /** Extra manifests to read (ghcr.io's untagged versions are not needed, but tests may add roots). */
  concurrency?: number;
}

/**
 * Reads every tag's manifest and everything it reaches (index entries, referrers by the API, the tag-schema
 * fallback and cosign's tags). Fails closed: a manifest that cannot be read stops the whole read with an
 * environment error, because a plan built around a hole could delete what the hole holds up.
 */
export async function readGraph(
  client: RegistryClient,
  repo: Repo,
  options: ReadGraphOptions = {},
): Promise<RepoGraph> {
  const name = repositoryName(repo);
  const limit = pLimit(options.concurrency ?? 32);
  const nodes = new Map<string, GraphNode>();
  const tags = new Map<string, string>();

  const failed = (e: unknown, what: string): never => {
    if (e instanceof CancelledError) throw e;
    const why = e instanceof ReleaseOperatorError ? e.message : e instanceof Error ? e.message : String(e);
    throw environmentError(
      `Cannot read ${what} of ${name}: ${why} Nothing was planned: a plan that guesses around an unreadable manifest could delete what it holds up.`,
      'Fix access to the registry (or the broken manifest) and plan again.',
      e,
    );
  };

  /** Reads, level by level, every manifest reachable from `roots` that is not read yet. */
  const walk = async (roots: Array<{ digest: string; from: string }>) => {
    let level = roots.filter((r) => !nodes.has(r.digest));
    while (level.length) {
      const next: Array<{ digest: string; from: string }> = [];
      const seen = new Set<string>();
      await Promise.all(
        level
          .filter((r) => !seen.has(r.digest) && seen.add(r.digest))
          .map((r) =>
            limit(async () => {
              let m: ManifestResult;
              try {
                m = await client.getManifest({ ...repo, digest: r.digest }, options);
              } catch (e) {
                failed(e, `manifest ${r.digest} (${r.from})`);
              }
              const node = nodeOf(m!);
              nodes.set(r.digest, node);
              for (const e of node.edges) next.push({ digest: e.digest, from: `${e.role} of ${r.digest}` });
            }),
          ),
      );
      level = next.filter((r) => !nodes.has(r.digest));
    }
  };

  if (options.tagDigests) {
    for (const [t, d] of options.tagDigests) tags.set(t, d);
  } else {
    let tagList: string[] = [];
    try {
      tagList = await client.listTags(repo, options);
    } catch (e) {
      // A repository that does not exist has nothing to prune: said as it is, not as a registry fault.
      if (e instanceof ReleaseOperatorError && e.kind === 'check') throw e;
      failed(e, 'the tag list');
    }
    await Promise.all(
      tagList.map((tag) =>
        limit(async () => {
          let m: ManifestResult;
          try {
            m = await client.getManifest({ ...repo, tag }, options);
          } catch (e) {
            failed(e, `tag ${tag}`);
          }
          tags.set(tag, m!.digest);
          if (!nodes.has(m!.digest)) nodes.set(m!.digest, nodeOf(m!));
        }),
      ),
    );
  }
  await walk([
    ...[...tags].map(([t, d]) => ({ digest: d, from: `tag ${t}` })),
    ...[...nodes.values()].flatMap((n) => n.edges.map((e) => ({ digest: e.digest, from: `${e.role} of ${n.digest}` }))),
  ]);

  // Artifact tags hang their target off the subject they name.
  const dangling = new Map<string, 'missing' | 'untagged'>();
  await Promise.all(
    [...tags].map(async ([tag, digest]) => {
      const a = artifactTagSubject(tag);
      if (!a) return;
      const subject = nodes.get(a.subject);
      if (subject) return void subject.edges.push({ digest, role: a.kind, tag });
      const head = await limit(() => client.headManifest({ ...repo, digest: a.subject }, options)).catch((e: unknown) =>
        failed(e, `manifest ${a.subject} (subject of tag ${tag})`),
      );
      dangling.set(tag, head ? 'untagged' : 'missing');
    }),
  );

  // OCI 1.1 referrers: asked once to learn whether the registry has the API, then for every manifest.
  let referrersApi = false;
  const first = [...nodes.keys()][0];
  if (first) {
    const probe = await client
      .referrersIndex(repo, first, options)
      .catch((e: unknown) => failed(e, `the referrers of ${first}`));
    referrersApi = probe !== null;
  }
  if (referrersApi) {
    const asked = new Set<string>();
    for (;;) {
      const todo = [...nodes.keys()].filter((d) => !asked.has(d));
      if (!todo.length) break;
      const found: Array<{ digest: string; from: string }> = [];
      await Promise.all(
        todo.map((d) =>
          limit(async () => {
            asked.add(d);
            const list = await client
              .referrersIndex(repo, d, options)
              .catch((e: unknown) => failed(e, `the referrers of ${d}`));
            const node = nodes.get(d)!;
            for (const r of list ?? []) {
              if (!node.edges.some((e) => e.digest === r.digest))
                node.edges.push({ digest: r.digest, role: 'referrer' });
              found.push({ digest: r.digest, from: `referrer of ${d}` });
            }
          }),
        ),
      );
      await walk(found);
    }
  }

  // A manifest that names a subject is that subject's referrer, wherever it was found.
  for (const n of nodes.values()) {
    const s = n.subject ? nodes.get(n.subject) : undefined;
    if (s && !s.edges.some((e) => e.digest === n.digest)) s.edges.push({ digest: n.digest, role: 'referrer' });
  }
  return { repository: name, tags, nodes, referrersApi, dangling };
}

function nodeOf(m: ManifestResult): GraphNode {
  const edges: Edge[] = [];
  let subject: string | undefined;
  let config: string | undefined;
  const created = m.json.annotations?.['org.opencontainers.image.created'];
  if (isIndex(m.json)) {
    const byDigest = new Map(m.json.manifests.map((d) => [d.digest, d]));
    for (const d of m.json.manifests) {
      if (isAttestation(d)) {
        const of = byDigest.get(d.annotations?.['vnd.docker.reference.digest'] ?? '');
        edges.push({
          digest: d.digest,
          role: 'attestation',
          platform: of?.platform ? platformString(of.platform) : undefined,
        });
      } else if (d.platform) edges.push({ digest: d.digest, role: 'platform', platform: platformString(d.platform) });
      else edges.push({ digest: d.digest, role: 'child' });
    }
    subject = (m.json as { subject?: { digest?: string } }).subject?.digest;
  } else if (isImageManifest(m.json)) {
    subject = m.json.subject?.digest;
    config = m.json.config.digest;
  }
  return { digest: m.digest, mediaType: m.mediaType, kind: m.kind, edges, subject, created, config };
}
