import { short } from '../registry';
import { artifactTagSubject } from './artifact-tags';
import { choosePrefix } from '../version/scheme';
import type { Edge, RepoGraph } from './graph';
import {
  classifyTag,
  describeRule,
  formatAge,
  naturalCompare,
  type RetentionPolicy,
  type RetentionRule,
} from './policy';
import type { DeletedTag, KeptTag, PlannedDeletion, PruneBackend, PrunePlan } from './types';

export interface PlanInput {
  graph: RepoGraph;
  policy: RetentionPolicy;
  /** When the image a digest names was made; undefined when it cannot be told (such tags are kept). */
  createdOf: (digest: string) => Promise<Date | undefined>;
  /** The injected clock: ages are counted from it. */
  now: () => Date;
  backend: PruneBackend;
  /** GitHub Packages: the package version of each digest, and how many versions nothing tagged reaches. */
  versionIds?: Map<string, number>;
  untaggedUnreached?: number;
}

/**
 * The retention plan. Kept: releases, moving tags, protected tags, tags no rule governs, what each rule keeps,
 * and everything those reach (index entries, attestations, signatures, referrers). Deleted: the other rule tags,
 * the manifests only they reach, and the signatures and referrers of what is deleted. A deleted tag whose
 * manifest is kept loses only its name.
 */
export async function planPrune(input: PlanInput): Promise<PrunePlan> {
  const { graph, policy } = input;
  const now = input.now();
  const kept: KeptTag[] = [];
  const deleted: DeletedTag[] = [];
  const byRule = new Map<RetentionRule, string[]>();
  const artifactTags: string[] = [];

  // Releases are version tags under the image prefix: configured, else the one the repository's tags follow.
  const scheme = choosePrefix('image', policy.imagePrefix, [...graph.tags.keys()]);
  const prefix = scheme.prefix;
  for (const [tag, digest] of graph.tags) {
    if (artifactTagSubject(tag)) {
      artifactTags.push(tag);
      continue;
    }
    const c = classifyTag(tag, policy, prefix);
    if (c.kind === 'release') kept.push({ tag, digest, kind: 'release', reason: `release ${c.version}` });
    else if (c.kind === 'moving') kept.push({ tag, digest, kind: 'moving', reason: 'moving tag' });
    else if (c.kind === 'protected')
      kept.push({ tag, digest, kind: 'protected', reason: `protected by retention.protect ${c.pattern}` });
    else if (c.kind === 'no-rule') kept.push({ tag, digest, kind: 'no-rule', reason: 'no retention rule matches' });
    else byRule.set(c.rule, [...(byRule.get(c.rule) ?? []), tag]);
  }

  // Each rule ranks its tags by the age of their image, newest first (equal times: by name, higher first).
  const created = new Map<string, Date | undefined>();
  const digestsToDate = new Set([...byRule.values()].flat().map((t) => graph.tags.get(t)!));
  await Promise.all([...digestsToDate].map(async (d) => created.set(d, usable(await input.createdOf(d)))));
  for (const [rule, tags] of byRule) {
    const dated = tags.filter((t) => created.get(graph.tags.get(t)!));
    for (const t of tags.filter((x) => !created.get(graph.tags.get(x)!)))
      kept.push({
        tag: t,
        digest: graph.tags.get(t)!,
        kind: 'age-unknown',
        reason: `${rule.pattern}: the age of its image is unknown (no creation time), so it is kept`,
      });
    dated.sort(
      (a, b) =>
        created.get(graph.tags.get(b)!)!.getTime() - created.get(graph.tags.get(a)!)!.getTime() || naturalCompare(b, a),
    );
    dated.forEach((tag, i) => {
      const digest = graph.tags.get(tag)!;
      const age = now.getTime() - created.get(digest)!.getTime();
      const rank = `#${i + 1} of ${dated.length} by age, ${formatAge(Math.max(0, age))} old`;
      const byCount = rule.keepNewest !== undefined && i < rule.keepNewest;
      const byAge = rule.keepYoungerThanMs !== undefined && age < rule.keepYoungerThanMs;
      if (byCount || byAge)
        kept.push({
          tag,
          digest,
          kind: 'rule',
          reason: `${describeRule(rule)}: ${rank}${byCount ? '' : ` (younger than ${formatAge(rule.keepYoungerThanMs!)})`}`,
        });
      else deleted.push({ tag, digest, rule: rule.pattern, reason: `${describeRule(rule)}: ${rank}` });
    });
  }

  // Everything a kept tag reaches is kept.
  const keptDigests = closure(
    graph,
    kept.map((k) => k.digest),
  );
  const keptTagsOn = new Map<string, string[]>();
  for (const k of kept) keptTagsOn.set(k.digest, [...(keptTagsOn.get(k.digest) ?? []), k.tag]);
  const deletedTagsOn = new Map<string, string[]>();
  for (const d of deleted) deletedTagsOn.set(d.digest, [...(deletedTagsOn.get(d.digest) ?? []), d.tag]);

  // What deleted tags reach and no kept tag does: the manifests to delete. Parents are found level by level.
  const parentOf = new Map<string, { parent: string; edge: Edge; depth: number }>();
  const doomed = new Set<string>();
  let level = [...new Set(deleted.map((d) => d.digest))].filter((d) => !keptDigests.has(d));
  level.forEach((d) => doomed.add(d));
  for (let depth = 1; level.length; depth++) {
    const next: string[] = [];
    for (const d of level)
      for (const e of graph.nodes.get(d)?.edges ?? []) {
        if (keptDigests.has(e.digest) || doomed.has(e.digest)) continue;
        doomed.add(e.digest);
        parentOf.set(e.digest, { parent: d, edge: e, depth });
        next.push(e.digest);
      }
    level = next;
  }

  // Artifact tags follow their subject: kept with a kept manifest, deleted with a deleted one. One whose subject
  // is gone from the registry is an orphan of an earlier deletion and goes too.
  const orphanRoots: string[] = [];
  for (const tag of artifactTags) {
    const digest = graph.tags.get(tag)!;
    const a = artifactTagSubject(tag)!;
    const what = a.kind === 'referrers-index' ? 'referrers index (tag schema)' : `cosign ${a.kind}`;
    if (keptDigests.has(a.subject) || keptDigests.has(digest)) {
      kept.push({ tag, digest, kind: 'artifact', reason: `${what} of kept ${label(a.subject)}` });
    } else if (doomed.has(a.subject)) {
      deleted.push({ tag, digest, reason: `${what} of ${label(a.subject)}, which is deleted` });
    } else if (graph.dangling.get(tag) === 'missing') {
      deleted.push({ tag, digest, reason: `${what} of ${short(a.subject)}, which is no longer in the repository` });
      if (!doomed.has(digest)) orphanRoots.push(digest);
    } else {
      kept.push({
        tag,
        digest,
        kind: 'artifact-of-untagged',
        reason: `${what} of ${short(a.subject)}, which is in the repository under no tag: left alone`,
      });
    }
  }
  // Those orphans' own targets (and what only they reach) go with them.
  let orphanLevel = orphanRoots;
  orphanLevel.forEach((d) => doomed.add(d));
  for (let depth = 1; orphanLevel.length; depth++) {
    const next: string[] = [];
    for (const d of orphanLevel)
      for (const e of graph.nodes.get(d)?.edges ?? []) {
        if (keptDigests.has(e.digest) || doomed.has(e.digest)) continue;
        doomed.add(e.digest);
        parentOf.set(e.digest, { parent: d, edge: e, depth });
        next.push(e.digest);
      }
    orphanLevel = next;
  }
  for (const d of deleted)
    if (!deletedTagsOn.get(d.digest)?.includes(d.tag))
      deletedTagsOn.set(d.digest, [...(deletedTagsOn.get(d.digest) ?? []), d.tag]);
  // The invariant, checked on the final lists: nothing any kept tag reaches is deleted.
  for (const d of closure(
    graph,
    kept.map((k) => k.digest),
  )) {
    keptDigests.add(d);
    doomed.delete(d);
  }
  for (let i = deleted.length - 1; i >= 0; i--) {
    const a = artifactTagSubject(deleted[i].tag);
    if (!a || !keptDigests.has(a.subject)) continue;
    const [t] = deleted.splice(i, 1);
    kept.push({ tag: t.tag, digest: t.digest, kind: 'artifact', reason: `artifact of kept ${short(a.subject)}` });
  }
  for (const k of kept)
    if (!keptTagsOn.get(k.digest)?.includes(k.tag))
      keptTagsOn.set(k.digest, [...(keptTagsOn.get(k.digest) ?? []), k.tag]);

  function label(digest: string): string {
    const tags = [...(keptTagsOn.get(digest) ?? []), ...(deletedTagsOn.get(digest) ?? [])];
    if (tags.length) return `${short(digest)} (${tags.sort(naturalCompare).join(', ')})`;
    const p = parentOf.get(digest);
    if (p)
      return `${short(digest)} (${p.edge.platform ? `${p.edge.platform} ` : ''}${p.edge.role} of ${label(p.parent)})`;
    for (const n of graph.nodes.values()) {
      const e = n.edges.find((x) => x.digest === digest);
      if (e) return `${short(digest)} (${e.platform ? `${e.platform} ` : ''}${e.role} of ${label(n.digest)})`;
    }
    return short(digest);
  }

  /** How a kept manifest no kept tag names is kept: the kept manifest that lists or names it. */
  function keptVia(digest: string): string {
    for (const n of graph.nodes.values()) {
      if (!keptDigests.has(n.digest)) continue;
      const e = n.edges.find((x) => x.digest === digest);
      if (e && (keptTagsOn.get(n.digest)?.length ?? 0) > 0)
        return `${e.platform ? `${e.platform} ` : ''}${e.role} of ${short(n.digest)} (${keptTagsOn.get(n.digest)!.sort(naturalCompare).join(', ')})`;
    }
    for (const n of graph.nodes.values()) {
      const e = keptDigests.has(n.digest) ? n.edges.find((x) => x.digest === digest) : undefined;
      if (e) return `${e.platform ? `${e.platform} ` : ''}${e.role} of kept ${short(n.digest)}`;
    }
    return 'kept';
  }

  const deletions: PlannedDeletion[] = [];
  // Deleted tags on kept manifests: only the name goes.
  for (const d of deleted.filter((x) => keptDigests.has(x.digest)).sort((a, b) => naturalCompare(a.tag, b.tag))) {
    const others = keptTagsOn.get(d.digest) ?? [];
    deletions.push({
      action: 'untag',
      digest: d.digest,
      tags: [d.tag],
      role: 'image',
      depth: 0,
      versionId: input.versionIds?.get(d.digest),
      reason: `${d.tag}: ${d.reason}; its manifest stays (${others.length ? `also tagged ${others.sort(naturalCompare).join(', ')}` : `it is the ${keptVia(d.digest)}`}), so only the tag is removed`,
    });
  }
  for (const digest of doomed) {
    const p = parentOf.get(digest);
    const tags = (deletedTagsOn.get(digest) ?? []).sort(naturalCompare);
    const node = graph.nodes.get(digest);
    const shape =
      node?.kind === 'index'
        ? `index of ${
            node.edges
              .filter((e) => e.role === 'platform')
              .map((e) => e.platform)
              .join(', ') || 'no platforms'
          }`
        : 'image manifest';
    const reason = p
      ? `${p.edge.platform ? `${p.edge.platform} ` : ''}${p.edge.role} of ${label(p.parent)}, which is deleted; no kept manifest refers to it`
      : tags.every((t) => artifactTagSubject(t))
        ? `the manifest of ${tags.join(', ')}: ${deleted.find((x) => x.tag === tags[0])?.reason ?? 'deleted'}`
        : `${shape} that only deleted tags point at (${tags.join(', ')}); no kept manifest refers to it`;
    deletions.push({
      action: 'delete-manifest',
      digest,
      tags,
      role: p ? p.edge.role : 'image',
      parent: p?.parent,
      platform: p?.edge.platform,
      depth: p?.depth ?? 0,
      versionId: input.versionIds?.get(digest),
      reason,
    });
  }
  deletions.sort(
    (a, b) =>
      Number(a.action === 'delete-manifest') - Number(b.action === 'delete-manifest') ||
      a.depth - b.depth ||
      naturalCompare(a.tags[0] ?? '~', b.tags[0] ?? '~') ||
      (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0),
  );

  const notes: string[] = [];
  if (scheme.finding) notes.push(scheme.finding.message);
  if (!graph.referrersApi)
    notes.push(
      'the registry has no OCI referrers API: referrers were found through cosign tags and the sha256-<hex> tag schema',
    );
  if (input.untaggedUnreached)
    notes.push(
      `${input.untaggedUnreached} untagged package version(s) that no tag reaches are left alone (they may belong to a push in progress)`,
    );
  const untagged = kept.filter((k) => k.kind === 'artifact-of-untagged').length;
  if (untagged) notes.push(`${untagged} signature/referrer tag(s) of untagged manifests are left alone`);
  const unknown = kept.filter((k) => k.kind === 'age-unknown').length;
  if (unknown) notes.push(`${unknown} tag(s) kept because the age of their image is unknown`);

  kept.sort((a, b) => naturalCompare(a.tag, b.tag));
  deleted.sort((a, b) => naturalCompare(a.tag, b.tag));
  return {
    repository: graph.repository,
    backend: input.backend,
    plannedAt: now.toISOString(),
    policy: [
      ...policy.rules.map(describeRule),
      ...(policy.protect.length ? [`protected: ${policy.protect.join(', ')}`] : []),
      `always kept: version tags (${prefix}X.Y.Z), moving tags (latest, ${prefix}X.Y, ${prefix}X), tags no rule matches, and everything a kept tag reaches`,
    ],
    basis: [scheme.basis],
    counts: {
      tags: graph.tags.size,
      keptTags: kept.length,
      deletedTags: deleted.length,
      manifests: graph.nodes.size,
      deletedManifests: doomed.size,
      untaggedOnly: deletions.filter((d) => d.action === 'untag').length,
    },
    kept,
    deletedTags: deleted,
    deletions,
    notes,
    snapshot: Object.fromEntries([...graph.tags].sort(([a], [b]) => naturalCompare(a, b))),
    keptDigests: [...keptDigests].sort(),
  };
}

/** Every digest reachable from `roots` over the graph's edges (index entries and referrers). */
function closure(graph: RepoGraph, roots: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const d = stack.pop()!;
    if (out.has(d)) continue;
    out.add(d);
    for (const e of graph.nodes.get(d)?.edges ?? []) stack.push(e.digest);
  }
  return out;
}

/** A time worth counting from: epoch 0 (reproducible builds without SOURCE_DATE_EPOCH) says nothing. */
function usable(d: Date | undefined): Date | undefined {
  return d && Number.isFinite(d.getTime()) && d.getTime() > 1000 ? d : undefined;
}
