import {
  pushArtifact,
  pushImage,
  pushIndex,
  pushListIndex,
  tagManifest,
  type PushedManifest,
  type TestRegistry,
} from '../../helpers/registry';

/**
 * A release repository as the multi-arch flow leaves it: every build pushed as candidate-K (a two-platform index
 * with BuildKit attestations, made K hours after BASE), releases promoted from candidates (of 200 builds, v1.0.0
 * is candidate-100 and v1.1.0 candidate-190) with their moving tags and commit tags, ci-1..12 on every 15th
 * candidate and ci-amd64 on a release's platform manifest, cosign signatures (tag sha256-<hex>.sig/.att, made
 * here) on releases, one release platform and candidates 20 and 200, the referrers tag schema (sha256-<hex>)
 * for an SBOM of v1.1.0 and of candidate-30, and a signature whose subject is long gone.
 */
const BASE = Date.parse('2024-03-01T00:00:00Z');
export const hours = (h: number) => new Date(BASE + h * 3_600_000);

export type Pushed = PushedManifest & { attestations: PushedManifest[]; images: PushedManifest[] };

export interface ReleaseRepo {
  candidates: Map<number, Pushed>;
  releases: Map<string, Pushed>;
  /** ci-K -> the candidate number it points at. */
  ci: Map<number, number>;
  /** Every tag the fixture wrote, with its digest. */
  tags: Map<string, string>;
  /** Signature, SBOM and referrers-index manifests by role. */
  artifacts: Record<string, PushedManifest>;
}

const hex = (digest: string) => digest.slice('sha256:'.length);

async function pushCandidate(reg: TestRegistry, repo: string, k: number): Promise<Pushed> {
  const created = hours(k).toISOString();
  const labels = { 'org.opencontainers.image.revision': `rev-${k}` };
  const images = await Promise.all(
    ['linux/amd64', 'linux/arm64'].map((platform) =>
      pushImage(reg, repo, { platform, labels, created, files: { 'app.txt': `candidate ${k} ${platform}\n` } }),
    ),
  );
  const index = await pushIndex(reg, repo, images, { tag: `candidate-${k}`, attestations: true });
  return { ...index, images };
}

/** The candidate at a share of the builds: with 200 builds, at(0.5) is candidate-100. */
const at = (count: number, share: number) => Math.max(1, Math.round(count * share));

export async function buildReleaseRepo(reg: TestRegistry, repo: string, count = 200): Promise<ReleaseRepo> {
  const candidates = new Map<number, Pushed>();
  const tags = new Map<string, string>();
  const tag = async (name: string, m: PushedManifest) => {
    await tagManifest(reg, repo, name, m);
    tags.set(name, m.digest);
  };
  const ks = Array.from({ length: count }, (_, i) => i + 1);
  for (let i = 0; i < ks.length; i += 8)
    await Promise.all(
      ks.slice(i, i + 8).map(async (k) => {
        const c = await pushCandidate(reg, repo, k);
        candidates.set(k, c);
        tags.set(`candidate-${k}`, c.digest);
      }),
    );
  const releases = new Map<string, Pushed>([
    ['1.0.0', candidates.get(at(count, 0.5))!],
    ['1.1.0', candidates.get(at(count, 0.95))!],
  ]);
  for (const [v, c] of releases) {
    await tag(`v${v}`, c);
    await tag(v === '1.0.0' ? 'abc1000' : 'abc1100', c);
  }
  await tag('v1.0', releases.get('1.0.0')!);
  await tag('v1.1', releases.get('1.1.0')!);
  await tag('v1', releases.get('1.1.0')!);
  await tag('latest', releases.get('1.1.0')!);

  const ci = new Map<number, number>();
  for (let n = 1; n <= 12; n++) {
    const k = at(count, n * 0.075);
    ci.set(n, k);
    await tag(`ci-${n}`, candidates.get(k)!);
  }
  // A CI tag on a release's platform manifest: its name may go, the manifest may not.
  await tag('ci-amd64', releases.get('1.0.0')!.images[0]);

  const artifacts: Record<string, PushedManifest> = {};
  const sign = async (role: string, subject: PushedManifest, kind: 'sig' | 'att' = 'sig') => {
    const name = `sha256-${hex(subject.digest)}.${kind}`;
    const type =
      kind === 'sig' ? 'application/vnd.dev.cosign.simplesigning.v1+json' : 'application/vnd.dsse.envelope.v1+json';
    artifacts[role] = await pushArtifact(reg, repo, {
      artifactType: type,
      payload: JSON.stringify({ critical: { image: { 'docker-manifest-digest': subject.digest } }, kind }),
      tag: name,
    });
    tags.set(name, artifacts[role].digest);
  };
  await sign('v1.0.0.sig', releases.get('1.0.0')!);
  await sign('v1.1.0.sig', releases.get('1.1.0')!);
  await sign('v1.1.0.att', releases.get('1.1.0')!, 'att');
  await sign('v1.1.0-amd64.sig', releases.get('1.1.0')!.images[0]);
  const c20 = candidates.get(at(count, 0.1))!;
  await sign('c20.sig', c20);
  await sign('c20-arm64.sig', c20.images[1]);
  const newest = candidates.get(count)!;
  await sign('newest.sig', newest);

  // The referrers tag schema: an SBOM naming its subject, listed in an index tagged sha256-<subject hex>.
  const sbom = async (role: string, subject: Pushed) => {
    const doc = await pushArtifact(reg, repo, {
      artifactType: 'application/spdx+json',
      payload: JSON.stringify({ spdxVersion: 'SPDX-2.3', name: role }),
      subject,
    });
    artifacts[`${role}.sbom`] = doc;
    artifacts[`${role}.referrers`] = await pushListIndex(reg, repo, `sha256-${hex(subject.digest)}`, [
      { ...doc, artifactType: 'application/spdx+json' },
    ]);
    tags.set(`sha256-${hex(subject.digest)}`, artifacts[`${role}.referrers`].digest);
  };
  await sbom('v1.1.0', releases.get('1.1.0')!);
  await sbom('c30', candidates.get(at(count, 0.15))!);

  // A signature left behind by an image deleted long ago.
  const goneSubject = `sha256:${'0123456789abcdef'.repeat(4)}`;
  artifacts['dangling.sig'] = await pushArtifact(reg, repo, {
    artifactType: 'application/vnd.dev.cosign.simplesigning.v1+json',
    payload: JSON.stringify({ critical: { image: { 'docker-manifest-digest': goneSubject } } }),
    tag: `sha256-${hex(goneSubject)}.sig`,
  });
  tags.set(`sha256-${hex(goneSubject)}.sig`, artifacts['dangling.sig'].digest);
  return { candidates, releases, ci, tags, artifacts };
}
