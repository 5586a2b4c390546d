import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS } from '../../helpers/paths';
import { runCli } from '../../../src/cli/main';
import { contentCache } from '../../../src/core/registry/cache';
import { planRetention, applyRetention, policyFromConfig, type PrunePlan } from '../../../src/core/retention';
import { defaultConfig } from '../../../src/core/config/load';
import { clientFor, rejectsWith } from '../registry/util';
import {
  deleteManifestDirect,
  pushArtifact,
  pushImage,
  pushIndex,
  repositoryState,
  startProxy,
  tagManifest,
  useRegistry,
} from '../../helpers/registry';
import { buildReleaseRepo, hours, type ReleaseRepo } from './fixture';

/**
 * Prune through the distribution API of a real registry (token auth, deletes enabled): 200 candidate builds,
 * two releases promoted from candidates, CI tags (some on release manifests), cosign signatures, the referrers
 * tag schema and an orphaned signature. The plan is checked deletion by deletion, the dry run against the
 * registry's whole state, and the apply by resolving every kept tag with every platform again.
 */
describe('prune: retention through the registry API', function () {
  this.timeout(300_000);
  const reg = useRegistry('token');
  const repo = 'acme/rocket';
  let fx: ReleaseRepo;
  // 13.5 days after candidate-200 was built: candidates 189..200 are younger than 14 days.
  const now = () => new Date(hours(200).getTime() + 13.5 * 86_400_000);
  const config = defaultConfig();
  config.retention.rules = { 'candidate-*': '10 14d', 'ci-*': '5' };
  const policy = policyFromConfig(config);
  const ref = () => `${reg().host}/${repo}`;

  let work: string;
  before(async function () {
    this.timeout(300_000);
    fx = await buildReleaseRepo(reg(), repo, 200);
    // A repository folder with the rules, and a docker config with the registry's credentials (as after docker login).
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(path.join(ARTIFACTS, 'prune-cli-'));
    mkdirSync(path.join(work, 'docker'));
    const { username, password } = reg().credentials!;
    writeFileSync(
      path.join(work, 'docker', 'config.json'),
      JSON.stringify({ auths: { [reg().host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }),
    );
    writeFileSync(
      path.join(work, 'release-operator.json'),
      JSON.stringify({ retention: { rules: config.retention.rules } }),
    );
    // A repository of its own, so the configuration is read from here and not from the project around it.
    execFileSync('git', ['init', '-q', work]);
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  /** What the test expects from the fixture's shape alone. */
  function expected() {
    const keptCandidates = new Set([...fx.ci].filter(([n]) => n >= 8).map(([, k]) => k));
    for (const c of fx.releases.values()) keptCandidates.add([...fx.candidates].find(([, x]) => x === c)![0]);
    const deletedCandidates = Array.from({ length: 188 }, (_, i) => i + 1);
    const untag = [
      ...deletedCandidates.filter((k) => keptCandidates.has(k)).map((k) => `candidate-${k}`),
      'ci-amd64',
    ].sort();
    const doomedIndexes = deletedCandidates.filter((k) => !keptCandidates.has(k)).map((k) => fx.candidates.get(k)!);
    const manifests = new Set<string>();
    for (const c of doomedIndexes) {
      manifests.add(c.digest);
      c.images.forEach((i) => manifests.add(i.digest));
      c.attestations.forEach((a) => manifests.add(a.digest));
    }
    for (const role of ['c20.sig', 'c20-arm64.sig', 'c30.sbom', 'c30.referrers', 'dangling.sig'])
      manifests.add(fx.artifacts[role].digest);
    const deletedTags = [
      ...deletedCandidates.map((k) => `candidate-${k}`),
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => `ci-${n}`),
      'ci-amd64',
      ...[...fx.tags.keys()].filter(
        (t) =>
          t.startsWith('sha256-') &&
          [
            fx.artifacts['c20.sig'],
            fx.artifacts['c20-arm64.sig'],
            fx.artifacts['c30.referrers'],
            fx.artifacts['dangling.sig'],
          ].some((a) => fx.tags.get(t) === a.digest),
      ),
    ].sort();
    return { untag, manifests, deletedTags };
  }

  async function releasesResolve(): Promise<void> {
    const client = clientFor(reg());
    contentCache.clear();
    for (const t of ['v1.0.0', 'v1.1.0', 'v1.0', 'v1.1', 'v1', 'latest']) {
      const info = await client.inspect(`${ref()}:${t}`, { labels: false });
      assert.deepEqual(info.platforms.map((p) => p.platform).sort(), ['linux/amd64', 'linux/arm64'], t);
      for (const p of info.platforms) {
        assert.ok(
          await client.headManifest({ registry: reg().host, repository: repo, digest: p.digest }),
          `${t} ${p.platform}`,
        );
        for (const a of p.attestations)
          assert.ok(
            await client.headManifest({ registry: reg().host, repository: repo, digest: a.digest }),
            `${t} attestation`,
          );
      }
    }
  }

  let plan: PrunePlan;
  it('plans exactly the expected deletions, each with its reason, and changes nothing', async () => {
    const before = await repositoryState(reg(), repo);
    const started = Date.now();
    plan = await planRetention(ref(), policy, { client: clientFor(reg()), now });
    console.log(`      (plan of ${plan.counts.manifests} manifests in ${Date.now() - started} ms)`);
    const after = await repositoryState(reg(), repo);
    assert.deepEqual(after, before, 'the dry run changed the registry');

    const want = expected();
    assert.deepEqual(plan.deletedTags.map((t) => t.tag).sort(), want.deletedTags);
    assert.equal(plan.deletedTags.length, 200);
    assert.deepEqual(
      plan.deletions
        .filter((d) => d.action === 'untag')
        .map((d) => d.tags[0])
        .sort(),
      want.untag,
    );
    const doomed = new Set(plan.deletions.filter((d) => d.action === 'delete-manifest').map((d) => d.digest));
    assert.deepEqual([...doomed].sort(), [...want.manifests].sort());
    assert.equal(doomed.size, 915);
    // Nothing a kept tag reaches is planned, and every deletion says why.
    for (const d of plan.deletions) {
      assert.ok(!plan.keptDigests.includes(d.digest) || d.action === 'untag', d.digest);
      assert.ok(d.reason.length > 20, d.reason);
    }
    for (const c of fx.releases.values())
      for (const m of [c, ...c.images, ...c.attestations]) assert.ok(!doomed.has(m.digest), 'release manifest planned');
    const r = (tag: string) =>
      plan.kept.find((k) => k.tag === tag)?.reason ?? plan.deletedTags.find((k) => k.tag === tag)?.reason;
    assert.match(r('candidate-189')!, /younger than 14d/);
    assert.match(r('candidate-195')!, /#6 of 200 by age/);
    assert.match(r('candidate-188')!, /#13 of 200 by age, 14d old/);
    assert.match(r('v1.1.0')!, /release 1\.1\.0/);
    assert.match(r('abc1000')!, /no retention rule matches/);
    const c20sig = plan.deletions.find((d) => d.digest === fx.artifacts['c20-arm64.sig'].digest)!;
    assert.equal(c20sig.role, 'signature');
    assert.match(c20sig.reason, /linux\/arm64 platform of .*candidate-20/);
    const arm = plan.deletions.find((d) => d.digest === fx.candidates.get(7)!.images[1].digest)!;
    assert.match(arm.reason, /^linux\/arm64 platform of sha256:[0-9a-f]{12} \(candidate-7\), which is deleted/);
    const untag100 = plan.deletions.find((d) => d.tags[0] === 'candidate-100')!;
    assert.match(untag100.reason, /also tagged .*v1\.0\.0/);
    assert.match(
      plan.deletions.find((d) => d.tags[0] === 'ci-amd64')!.reason,
      /it is the linux\/amd64 platform of sha256:[0-9a-f]{12} \(.*v1\.0\.0\)\), so only the tag is removed$/,
    );
    assert.match(
      plan.deletedTags.find((t) => t.tag.endsWith('.sig') && t.digest === fx.artifacts['dangling.sig'].digest)!.reason,
      /no longer in the repository/,
    );
    assert.ok(plan.notes.some((n) => /no OCI referrers API/.test(n)));
    await releasesResolve();
  });

  it('prune (CLI, dry run) prints the plan with reasons and changes nothing', async () => {
    const before = await repositoryState(reg(), repo);
    const r = await cli(['prune', ref()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Prune plan for .* through the registry API \(dry run: nothing was changed\)/);
    assert.match(r.stdout, /tags: 231 \(keep 31, delete 200\)/);
    assert.match(r.stdout, /candidate-\* keeps the newest 10 and anything younger than 14d/);
    assert.match(
      r.stdout,
      /^ {2}- manifest sha256:[0-9a-f]{12} with tags candidate-15, ci-1: index of linux\/amd64, linux\/arm64/m,
    );
    assert.match(r.stdout, /^ {4}- manifest sha256:[0-9a-f]{12}: linux\/amd64 platform of/m);
    assert.match(r.stdout, /To delete 915 manifest\(s\) and 200 tag\(s\): release-operator prune .* --apply/);
    assert.deepEqual(await repositoryState(reg(), repo), before);
  });

  it('prune --apply deletes exactly the plan; every kept tag still resolves with every platform', async () => {
    const before = await repositoryState(reg(), repo);
    const r = await cli(['prune', ref(), '--apply', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.applied, true);
    assert.deepEqual(result.counts, { deleted: 922, alreadyGone: 0, failed: 0, skipped: 0 });
    assert.equal(result.verification.verdict, 'pass');
    assert.match(result.verification.summary, /all 31 kept tags resolve again with every platform/);
    const after = await repositoryState(reg(), repo);
    const want = expected();
    // Tags: exactly the deleted ones are gone; every other tag points where it did.
    const expectTags = Object.fromEntries(Object.entries(before.tags).filter(([t]) => !want.deletedTags.includes(t)));
    assert.deepEqual(after.tags, expectTags);
    // Manifests: nothing reachable is missing, and none of the deleted ones is reachable.
    assert.ok(!Object.values(after.manifests).includes('MISSING'), 'a kept tag lost a child manifest');
    for (const d of want.manifests) assert.ok(!(d in after.manifests), `${d} still reachable`);
    // Deleted manifests are gone from the registry, not merely untagged.
    const client = clientFor(reg());
    for (const d of [...want.manifests].slice(0, 40))
      assert.equal(await client.headManifest({ registry: reg().host, repository: repo, digest: d }), null, d);
    await releasesResolve();
    // The untagged tags' manifests stay (candidate-100 is v1.0.0).
    assert.equal(after.tags['v1.0.0'], fx.releases.get('1.0.0')!.digest);
    // Planning again finds nothing left to do.
    const again = await planRetention(ref(), policy, { client, now });
    assert.equal(again.deletions.length, 0, JSON.stringify(again.deletions.slice(0, 3)));
  });

  async function cli(args: string[]) {
    contentCache.clear();
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--cwd', work],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { ...process.env, DOCKER_CONFIG: path.join(work, 'docker'), GITHUB_TOKEN: '' },
        now,
      } as Parameters<typeof runCli>[1],
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }
});

describe('prune: fails closed', function () {
  this.timeout(60_000);
  const reg = useRegistry('none');
  const repo = 'acme/broken';

  it('an index whose platform manifest cannot be read stops the plan (environment), nothing deleted', async () => {
    const images = [
      await pushImage(reg(), repo, { platform: 'linux/amd64', created: '2024-01-01T00:00:00Z' }),
      await pushImage(reg(), repo, { platform: 'linux/arm64', created: '2024-01-01T00:00:00Z' }),
    ];
    await pushIndex(reg(), repo, images, { tag: 'candidate-1' });
    await pushIndex(reg(), repo, [images[0]], { tag: 'candidate-2' });
    assert.equal(await deleteManifestDirect(reg(), repo, images[1].digest), 202);
    const before = await repositoryState(reg(), repo);
    const config = defaultConfig();
    config.retention.rules = { 'candidate-*': '0' };
    contentCache.clear();
    const e = await rejectsWith(
      planRetention(`${reg().host}/${repo}`, policyFromConfig(config), {
        client: clientFor(reg()),
        now: () => new Date('2024-06-01T00:00:00Z'),
      }),
      'environment',
      /Cannot read manifest sha256:[0-9a-f]{64} \(platform of sha256:[0-9a-f]{64}\) of .*acme\/broken: .*Nothing was planned/,
    );
    assert.match(e.hint!, /plan again/);
    assert.deepEqual(await repositoryState(reg(), repo), before);
  });

  it('prune --apply on a terminal shows the plan and asks; no means nothing changes (exit 2)', async () => {
    const repo3 = 'acme/asked';
    await pushImage(reg(), repo3, { tag: 'candidate-1', created: '2024-01-01T00:00:00Z' });
    await pushImage(reg(), repo3, { tag: 'candidate-2', created: '2024-01-02T00:00:00Z' });
    const before = await repositoryState(reg(), repo3);
    const dir = mkdtempSync(path.join(ARTIFACTS, 'prune-ask-'));
    execFileSync('git', ['init', '-q', dir]);
    writeFileSync(
      path.join(dir, 'release-operator.json'),
      JSON.stringify({ retention: { rules: { 'candidate-*': '1' } } }),
    );
    const questions: string[] = [];
    let stdout = '';
    let stderr = '';
    try {
      const code = await runCli(
        ['prune', `${reg().host}/${repo3}`, '--apply', '--cwd', dir],
        {
          stdout: (x) => void (stdout += x),
          stderr: (x) => void (stderr += x),
          env: { PATH: process.env.PATH },
          isTTY: true,
          confirm: async (q: string) => (questions.push(q), false),
          now: () => new Date('2024-06-01T00:00:00Z'),
        } as Parameters<typeof runCli>[1],
        new AbortController().signal,
      );
      assert.equal(code, 2);
      assert.deepEqual(questions, [`Delete 1 manifest(s) and 1 tag(s) from ${reg().host}/${repo3}?`]);
      assert.match(
        stderr,
        /- manifest sha256:[0-9a-f]{12} with tag candidate-1: image manifest that only deleted tags point at/,
      );
      assert.match(stdout, /Not confirmed; nothing changed\./);
      assert.deepEqual(await repositoryState(reg(), repo3), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a registry that fails deletes: a fault stops the rest (not tried), kept tags verified, nothing lost', async () => {
    const repo4 = 'acme/failing';
    for (const n of [1, 2, 3])
      await pushImage(reg(), repo4, {
        tag: `candidate-${n}`,
        created: `2024-01-0${n}T00:00:00Z`,
        files: { n: `${n}` },
      });
    await pushImage(reg(), repo4, { tag: 'v1.0.0', created: '2024-01-01T00:00:00Z', files: { n: 'release' } });
    const before = await repositoryState(reg(), repo4);
    const proxy = await startProxy(reg(), {
      faults: [{ method: 'DELETE', path: /\/manifests\//, respond: { status: 503 }, times: 1000 }],
    });
    try {
      const config = defaultConfig();
      config.retention.rules = { 'candidate-*': '0' };
      const opts = { client: clientFor(reg()), now: () => new Date('2024-06-01T00:00:00Z') };
      contentCache.clear();
      const plan = await planRetention(`${proxy.host}/${repo4}`, policyFromConfig(config), opts);
      assert.equal(plan.deletions.length, 3);
      const result = await applyRetention(plan, opts);
      // Deletions of one level run side by side: those in flight fail, those not yet started are not tried.
      assert.ok(result.counts.failed >= 1 && result.counts.deleted === 0, JSON.stringify(result.counts));
      for (const o of result.outcomes)
        assert.match(
          o.detail!,
          o.status === 'failed' ? /kept answering HTTP 503/ : /^not tried: The registry .* kept answering HTTP 503/,
        );
      assert.equal(result.verification.verdict, 'pass');
      assert.deepEqual(await repositoryState(reg(), repo4), before);
    } finally {
      await proxy.stop();
    }
  });

  it('an apply refuses when a tag moved since the plan', async () => {
    const repo2 = 'acme/moving';
    const a = await pushImage(reg(), repo2, { tag: 'candidate-1', created: '2024-01-01T00:00:00Z' });
    const b = await pushImage(reg(), repo2, { tag: 'candidate-2', created: '2024-01-02T00:00:00Z' });
    const config = defaultConfig();
    config.retention.rules = { 'candidate-*': '1' };
    const opts = { client: clientFor(reg()), now: () => new Date('2024-06-01T00:00:00Z') };
    const plan = await planRetention(`${reg().host}/${repo2}`, policyFromConfig(config), opts);
    assert.deepEqual(
      plan.deletedTags.map((t) => t.tag),
      ['candidate-1'],
    );
    // Someone promotes candidate-1 meanwhile.
    await pushImage(reg(), repo2, { tag: 'v1.0.0', created: '2024-01-01T00:00:00Z' });
    assert.ok(a.digest && b.digest);
    await rejectsWith(
      applyRetention(plan, opts),
      'environment',
      /changed since the plan \(v1\.0\.0 is new on a manifest the plan deletes\); nothing was deleted/,
    );
  });
});

describe('prune: referrers through the OCI 1.1 referrers API', function () {
  this.timeout(60_000);
  const reg = useRegistry('none');
  const repo = 'acme/refs';

  it('an SBOM only the referrers API names stays with its kept subject and goes with its deleted one', async () => {
    const image = (n: number) =>
      pushImage(reg(), repo, { created: `2024-01-0${n}T00:00:00Z`, files: { 'n.txt': `${n}\n` } });
    const [c1, c2, release] = [await image(1), await image(2), await image(3)];
    await tagManifest(reg(), repo, 'candidate-1', c1);
    await tagManifest(reg(), repo, 'candidate-2', c2);
    await tagManifest(reg(), repo, 'v1.0.0', release);
    const sbom = (subject: typeof c1) =>
      pushArtifact(reg(), repo, { artifactType: 'application/spdx+json', payload: subject.digest, subject });
    const [sbom1, sbomRelease] = [await sbom(c1), await sbom(release)];
    // distribution 2.8 has no referrers API: a proxy answers it for these two subjects, and an empty list for others.
    const answer = (m: typeof sbom1) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: m.mediaType, digest: m.digest, size: m.size, artifactType: 'application/spdx+json' }],
      });
    const index = { 'content-type': 'application/vnd.oci.image.index.v1+json' };
    const proxy = await startProxy(reg(), {
      faults: [
        {
          path: new RegExp(`/referrers/${c1.digest}$`),
          respond: { status: 200, headers: index, body: answer(sbom1) },
          times: 1e6,
        },
        {
          path: new RegExp(`/referrers/${release.digest}$`),
          respond: { status: 200, headers: index, body: answer(sbomRelease) },
          times: 1e6,
        },
        {
          path: /\/referrers\//,
          respond: { status: 200, headers: index, body: JSON.stringify({ schemaVersion: 2, manifests: [] }) },
          times: 1e6,
        },
      ],
    });
    try {
      const config = defaultConfig();
      config.retention.rules = { 'candidate-*': '1' };
      const opts = { client: clientFor(reg()), now: () => new Date('2024-06-01T00:00:00Z') };
      contentCache.clear();
      const plan = await planRetention(`${proxy.host}/${repo}`, policyFromConfig(config), opts);
      assert.ok(!plan.notes.some((n) => /no OCI referrers API/.test(n)));
      assert.deepEqual(
        plan.deletions.map((d) => [d.digest, d.role]),
        [
          [c1.digest, 'image'],
          [sbom1.digest, 'referrer'],
        ],
      );
      assert.ok(plan.keptDigests.includes(sbomRelease.digest));
      const result = await applyRetention(plan, opts);
      assert.equal(result.verification.verdict, 'pass');
      const client = clientFor(reg());
      const head = (digest: string) => client.headManifest({ registry: reg().host, repository: repo, digest });
      assert.equal(await head(sbom1.digest), null);
      assert.ok(await head(sbomRelease.digest));
      assert.ok(await head(c2.digest));
    } finally {
      await proxy.stop();
    }
  });
});
