import assert from 'node:assert/strict';
import type { GraphNode, RepoGraph } from '../../../src/core/retention/graph';
import { planPrune } from '../../../src/core/retention/plan';
import { Pacer } from '../../../src/core/retention/pace';
import { artifactTagSubject } from '../../../src/core/retention/artifact-tags';
import {
  classifyTag,
  formatAge,
  globMatches,
  naturalCompare,
  parseRule,
  type RetentionPolicy,
} from '../../../src/core/retention/policy';

const D = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const DAY = 86_400_000;
const NOW = Date.parse('2030-06-15T12:00:00Z');

/** A repository graph from a list of manifests: index entries as `platform`/`attestation` edges. */
function graph(
  tags: Record<string, number>,
  nodes: Array<{ d: number; platforms?: number[]; attestations?: number[]; subject?: number }>,
  dangling: Record<string, 'missing' | 'untagged'> = {},
): RepoGraph {
  const map = new Map<string, GraphNode>();
  for (const n of nodes)
    map.set(D(n.d), {
      digest: D(n.d),
      mediaType: 'application/vnd.oci.image.index.v1+json',
      kind: n.platforms ? 'index' : 'manifest',
      edges: [
        ...(n.platforms ?? []).map((p, i) => ({
          digest: D(p),
          role: 'platform' as const,
          platform: i ? 'linux/arm64' : 'linux/amd64',
        })),
        ...(n.attestations ?? []).map((p) => ({ digest: D(p), role: 'attestation' as const })),
      ],
      subject: n.subject ? D(n.subject) : undefined,
    });
  const g: RepoGraph = {
    repository: 'registry.example/acme/rocket',
    tags: new Map(Object.entries(tags).map(([t, d]) => [t, D(d)])),
    nodes: map,
    referrersApi: false,
    dangling: new Map(Object.entries(dangling)),
  };
  // Artifact tags hang off their subject, as readGraph does.
  for (const [t, d] of g.tags) {
    const a = artifactTagSubject(t);
    const s = a && map.get(a.subject);
    if (a && s) s.edges.push({ digest: d, role: a.kind, tag: t });
  }
  return g;
}

const policy = (rules: Record<string, string>, protect: string[] = []): RetentionPolicy => ({
  rules: Object.entries(rules).map(([p, t]) => parseRule(p, t)),
  protect,
  imagePrefix: 'v',
});

async function plan(g: RepoGraph, p: RetentionPolicy, ages: Record<number, number | undefined>) {
  return planPrune({
    graph: g,
    policy: p,
    backend: 'registry',
    now: () => new Date(NOW),
    createdOf: async (digest) => {
      const n = Number.parseInt(digest.slice(7), 16);
      const days = ages[n];
      return days === undefined ? undefined : new Date(NOW - days * DAY);
    },
  });
}

describe('retention: policy words', () => {
  it('parses rules: newest N, younger than D (days or hours), both; refuses anything else', () => {
    assert.deepEqual(
      [parseRule('a', '10'), parseRule('a', '14d'), parseRule('a', '10 14d'), parseRule('a', '5,36h')].map((r) => [
        r.keepNewest,
        r.keepYoungerThanMs,
      ]),
      [
        [10, undefined],
        [undefined, 14 * DAY],
        [10, 14 * DAY],
        [5, 36 * 3_600_000],
      ],
    );
    for (const bad of ['', 'ten', '14 days', '-1', '10d 5'])
      assert.throws(() => parseRule('candidate-*', bad), /retention\.rules\.candidate-\*: .* is not a retention rule/);
  });

  it('globs match whole tags; * spans anything, ? one character, dots are dots', () => {
    assert.ok(globMatches('candidate-*', 'candidate-12'));
    assert.ok(globMatches('candidate-*', 'candidate-'));
    assert.ok(!globMatches('candidate-*', 'xcandidate-1'));
    assert.ok(globMatches('pr-?', 'pr-7') && !globMatches('pr-?', 'pr-77'));
    assert.ok(!globMatches('v1.*', 'v1x2'));
  });

  it('classifies: versions and moving tags are releases before any rule; protect before rules', () => {
    const p = policy({ '*': '1' }, ['stable*']);
    assert.equal(classifyTag('v1.2.3', p, 'v').kind, 'release');
    assert.equal(classifyTag('v1.2.3-rc.1', p, 'v').kind, 'release');
    assert.equal(classifyTag('v1.2', p, 'v').kind, 'moving');
    assert.equal(classifyTag('v1', p, 'v').kind, 'moving');
    assert.equal(classifyTag('latest', p, 'v').kind, 'moving');
    assert.equal(classifyTag('stable-2', p, 'v').kind, 'protected');
    assert.equal(classifyTag('candidate-1', p, 'v').kind, 'rule');
    assert.equal(classifyTag('main', policy({ 'ci-*': '1' }), 'v').kind, 'no-rule');
  });

  it('orders names with numbers as numbers, without the machine locale', () => {
    assert.deepEqual(['candidate-10', 'candidate-9', 'candidate-100', 'ci-2'].sort(naturalCompare), [
      'candidate-9',
      'candidate-10',
      'candidate-100',
      'ci-2',
    ]);
    assert.deepEqual([formatAge(14 * DAY), formatAge(36 * 3_600_000), formatAge(90_000)], ['14d', '36h', '1m']);
  });

  it('recognises artifact tags: cosign .sig/.att/.sbom and the tag-schema fallback', () => {
    const hex = 'a'.repeat(64);
    assert.deepEqual(artifactTagSubject(`sha256-${hex}.sig`), { subject: `sha256:${hex}`, kind: 'signature' });
    assert.deepEqual(artifactTagSubject(`sha256-${hex}`), { subject: `sha256:${hex}`, kind: 'referrers-index' });
    assert.equal(artifactTagSubject(`sha256-${hex.slice(1)}.sig`), undefined);
    assert.equal(artifactTagSubject('sha-abc1234'), undefined);
  });
});

describe('retention: the plan', () => {
  it('keeps the newest N or younger than D; deletes the rest with their children; never what a kept tag reaches', async () => {
    // candidate-1..4: indexes 1..4 with platforms 11..42 and attestations; v1.0.0 is candidate-2.
    const nodes = [1, 2, 3, 4].map((k) => ({ d: k, platforms: [k * 10 + 1, k * 10 + 2], attestations: [k * 10 + 3] }));
    const leaves = nodes.flatMap((n) => [...n.platforms, ...n.attestations].map((d) => ({ d })));
    const g = graph({ 'candidate-1': 1, 'candidate-2': 2, 'candidate-3': 3, 'candidate-4': 4, 'v1.0.0': 2 }, [
      ...nodes,
      ...leaves,
    ]);
    const p = await plan(g, policy({ 'candidate-*': '1 3d' }), { 1: 10, 2: 9, 3: 2, 4: 1 });
    assert.deepEqual(
      p.deletedTags.map((t) => t.tag),
      ['candidate-1', 'candidate-2'],
    );
    assert.deepEqual(
      p.deletions.map((d) => [d.action, d.action === 'untag' ? d.tags[0] : Number.parseInt(d.digest.slice(7), 16)]),
      [
        ['untag', 'candidate-2'],
        ['delete-manifest', 1],
        ['delete-manifest', 11],
        ['delete-manifest', 12],
        ['delete-manifest', 13],
      ],
    );
    assert.match(p.kept.find((k) => k.tag === 'candidate-3')!.reason, /#2 of 4 by age, 2d old \(younger than 3d\)/);
    assert.match(p.kept.find((k) => k.tag === 'candidate-4')!.reason, /#1 of 4 by age, 24h old$/);
    assert.match(p.deletions[0].reason, /also tagged v1\.0\.0/);
    for (const d of p.deletions.filter((x) => x.action === 'delete-manifest'))
      assert.ok(!p.keptDigests.includes(d.digest));
  });

  it('a platform manifest shared with a kept index stays (and so does its attestation)', async () => {
    // Build 2 reused build 1's amd64 image: index 2 lists 11.
    const g = graph({ 'ci-1': 1, 'ci-2': 2 }, [
      { d: 1, platforms: [11, 12], attestations: [13] },
      { d: 2, platforms: [11, 22], attestations: [13] },
      { d: 11 },
      { d: 12 },
      { d: 13 },
      { d: 22 },
    ]);
    const p = await plan(g, policy({ 'ci-*': '1' }), { 1: 5, 2: 1 });
    const gone = p.deletions.map((d) => Number.parseInt(d.digest.slice(7), 16)).sort((a, b) => a - b);
    assert.deepEqual(gone, [1, 12]);
  });

  it('an image of unknown age is kept, and says so; so is epoch 0 (reproducible builds)', async () => {
    const g = graph({ 'pr-1': 1, 'pr-2': 2, 'pr-3': 3 }, [{ d: 1 }, { d: 2 }, { d: 3 }]);
    const p = await plan(g, policy({ 'pr-*': '0' }), { 1: undefined, 2: (NOW - 0) / DAY, 3: 30 });
    assert.deepEqual(
      p.deletedTags.map((t) => t.tag),
      ['pr-3'],
    );
    assert.deepEqual(
      p.kept.map((k) => k.kind),
      ['age-unknown', 'age-unknown'],
    );
    assert.ok(p.notes.some((n) => /2 tag\(s\) kept because the age of their image is unknown/.test(n)));
  });

  it('signatures follow their subject; one of an untagged subject is left alone, one of a missing subject goes', async () => {
    const hex = (n: number) => D(n).slice(7);
    const g = graph(
      {
        'v1.0.0': 1,
        'candidate-2': 2,
        [`sha256-${hex(1)}.sig`]: 91,
        [`sha256-${hex(2)}.sig`]: 92,
        [`sha256-${hex(11)}.sig`]: 93, // a platform of v1.0.0 signed on its own (cosign --recursive)
        [`sha256-${hex(77)}.sig`]: 94, // subject in the registry under no tag
        [`sha256-${hex(78)}.att`]: 95, // subject gone
      },
      [{ d: 1, platforms: [11] }, { d: 2 }, { d: 11 }, { d: 91 }, { d: 92 }, { d: 93 }, { d: 94 }, { d: 95 }],
      { [`sha256-${hex(77)}.sig`]: 'untagged', [`sha256-${hex(78)}.att`]: 'missing' },
    );
    const p = await plan(g, policy({ 'candidate-*': '0' }), { 2: 3 });
    assert.deepEqual(
      p.deletedTags.map((t) => t.tag).sort(),
      ['candidate-2', `sha256-${hex(2)}.sig`, `sha256-${hex(78)}.att`].sort(),
    );
    const sig = p.deletions.find((d) => d.digest === D(92))!;
    assert.equal(sig.role, 'signature');
    assert.equal(sig.parent, D(2));
    assert.match(sig.reason, /^signature of sha256:\w+ \(candidate-2\), which is deleted/);
    assert.match(p.kept.find((k) => k.digest === D(94))!.reason, /under no tag: left alone/);
    assert.match(p.deletedTags.find((t) => t.digest === D(95))!.reason, /no longer in the repository/);
    assert.ok(p.keptDigests.includes(D(93)), 'the signature of a kept platform is kept');
  });

  it('orders the work: untags, then parents before children', async () => {
    const g = graph({ 'ci-1': 1, 'ci-2': 3, keep: 3 }, [{ d: 1, platforms: [2] }, { d: 2 }, { d: 3 }]);
    const p = await plan(g, policy({ 'ci-*': '0' }), { 1: 1, 3: 1 });
    assert.deepEqual(
      p.deletions.map((d) => [d.action, d.depth]),
      [
        ['untag', 0],
        ['delete-manifest', 0],
        ['delete-manifest', 1],
      ],
    );
  });
});

describe('retention: GitHub pace', () => {
  it('never lets more than N calls into any 60 s window, waiting on the injected clock', async () => {
    let t = 0;
    const waits: number[] = [];
    const pacer = new Pacer(
      3,
      () => t,
      async (ms) => void (waits.push(ms), (t += ms)),
    );
    const at: number[] = [];
    for (let i = 0; i < 7; i++) {
      await pacer.take();
      at.push(t);
      t += 1000;
    }
    assert.deepEqual(at, [0, 1000, 2000, 60_000, 61_000, 62_000, 120_000]);
    assert.deepEqual(waits, [57_000, 57_000]);
  });
});
