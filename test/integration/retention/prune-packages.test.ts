import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { ARTIFACTS } from '../../helpers/paths';
import { GitHubClient } from '../../../src/core/github';
import { contentCache } from '../../../src/core/registry/cache';
import { defaultConfig } from '../../../src/core/config/load';
import { applyRetention, planRetention, policyFromConfig, type PrunePlan } from '../../../src/core/retention';
import { GitHubFake } from '../../helpers/github-fake';
import { PackagesScenario } from '../../helpers/github/packages-scenario';
import { repositoryState, useRegistry } from '../../helpers/registry';
import { clientFor } from '../registry/util';
import { buildReleaseRepo, hours, type ReleaseRepo } from './fixture';

/**
 * The ghcr.io path: versions listed and deleted through the GitHub Packages API (the fake, which checks every
 * request against GitHub's published description), manifests read from the registry. On ghcr.io an index's
 * platform and attestation manifests are untagged versions: a cleanup that deletes "untagged versions" breaks
 * every multi-arch release. None of them may be planned while its index is kept.
 */
describe('prune: retention through the GitHub Packages API', function () {
  this.timeout(240_000);
  const reg = useRegistry('none');
  const repo = 'acme/rocket';
  let fx: ReleaseRepo;
  let fake: GitHubFake;
  let scenario: PackagesScenario;
  // A clock for GitHub's pace: sleeping moves it, nothing waits for real.
  let clock = Date.parse('2024-04-01T00:00:00Z');
  const deletesAt: number[] = [];
  const now = () => new Date(hours(40).getTime() + 3 * 86_400_000);
  const config = defaultConfig();
  config.retention.rules = { 'candidate-*': '5', 'ci-*': '3' };
  const policy = policyFromConfig(config);

  before(async function () {
    this.timeout(240_000);
    fx = await buildReleaseRepo(reg(), repo, 40);
    fake = await GitHubFake.start();
    // Candidate 10's index: a public package's popular version GitHub will not delete.
    scenario = new PackagesScenario(fake, {
      org: 'acme',
      name: 'rocket',
      registry: reg(),
      visibility: 'public',
      refuse: new Set([fx.candidates.get(10)!.digest]),
    });
  });
  after(async () => {
    await fake?.close();
    fake?.assertNoViolations();
  });

  const github = () =>
    GitHubClient.create({
      apiUrl: fake.url,
      token: async () => fake.token,
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
      fetch: (async (url: string, init?: RequestInit) => {
        if (init?.method === 'DELETE') deletesAt.push(clock);
        return fetch(url, init);
      }) as typeof fetch,
    });
  const options = () => ({
    client: clientFor(reg()),
    now,
    backend: 'github-packages' as const,
    github,
    perMinute: 50,
  });

  let plan: PrunePlan;
  it('plans from the package versions: no untagged child of a kept index is planned', async () => {
    const before = await repositoryState(reg(), repo);
    contentCache.clear();
    plan = await planRetention(`${reg().host}/${repo}`, policy, options());
    assert.deepEqual(await repositoryState(reg(), repo), before, 'planning changed the registry');
    assert.equal(fake.requests.filter((r) => r.method === 'DELETE').length, 0);
    assert.equal(plan.backend, 'github-packages');
    assert.deepEqual(plan.package?.owner, { kind: 'org', org: 'acme' });

    const versions = (await scenario.versions()) as Array<{
      id: number;
      name: string;
      metadata: { container: { tags: string[] } };
    }>;
    const untagged = new Set(versions.filter((v) => !v.metadata.container.tags.length).map((v) => v.name));
    const doomed = new Set(plan.deletions.filter((d) => d.action === 'delete-manifest').map((d) => d.digest));
    // Every kept tag's index: its platforms and attestations are untagged versions, and none is planned.
    const listed = new Set(versions.map((v) => v.name));
    const checked = new Set<string>();
    for (const k of plan.kept) {
      const c = [...fx.candidates.values()].find((x) => x.digest === k.digest);
      if (!c) continue;
      for (const child of [...c.images, ...c.attestations]) {
        assert.ok(listed.has(child.digest), `${k.tag}: its child ${child.digest} is a package version`);
        assert.ok(!doomed.has(child.digest), `${k.tag}: its child ${child.digest} is planned for deletion`);
        if (untagged.has(child.digest)) checked.add(child.digest);
      }
    }
    // 8 kept indexes (candidates 36-40, v1.0.0 = candidate-20, ci-10/11 = candidates 30/33) of 4 children each;
    // ci-amd64 tags one of them.
    assert.equal(checked.size, 31, 'untagged children of kept indexes checked');
    // Deleted candidates take their untagged children along, by version id.
    const c1 = fx.candidates.get(1)!;
    for (const m of [c1, ...c1.images, ...c1.attestations]) {
      const d = plan.deletions.find((x) => x.digest === m.digest);
      assert.ok(d, `${m.digest} of candidate-1 planned`);
      assert.equal(d.versionId, scenario.idOf(m.digest));
    }
    assert.ok(plan.notes.some((n) => /public.*5,000 downloads/.test(n)));
    assert.ok(plan.notes.some((n) => /30 days/.test(n)));
    fake.assertNoViolations();
  });

  it('prune --via github-packages (CLI) plans through the API named by GITHUB_API_URL, token never printed', async () => {
    const dir = mkdtempSync(path.join(ARTIFACTS, 'prune-gh-'));
    try {
      execFileSync('git', ['init', '-q', dir]);
      writeFileSync(
        path.join(dir, 'release-operator.json'),
        JSON.stringify({ retention: { rules: config.retention.rules } }),
      );
      let stdout = '';
      let stderr = '';
      contentCache.clear();
      const code = await runCli(
        ['prune', `${reg().host}/${repo}`, '--via', 'github-packages', '--json', '--cwd', dir],
        {
          stdout: (x) => void (stdout += x),
          stderr: (x) => void (stderr += x),
          env: { PATH: process.env.PATH, GITHUB_TOKEN: fake.token, GITHUB_API_URL: fake.url },
          now,
        } as Parameters<typeof runCli>[1],
        new AbortController().signal,
      );
      assert.equal(code, 0, stderr);
      const out = JSON.parse(stdout) as { applied: boolean; plan: PrunePlan };
      assert.equal(out.applied, false);
      assert.equal(out.plan.backend, 'github-packages');
      assert.deepEqual(out.plan.deletions.map((d) => d.digest).sort(), plan.deletions.map((d) => d.digest).sort());
      assert.ok(!stdout.includes(fake.token) && !stderr.includes(fake.token));
      assert.equal(fake.requests.filter((r) => r.method === 'DELETE').length, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies through version deletes, paced; a refused version keeps its children; kept tags resolve', async () => {
    contentCache.clear();
    const before = await repositoryState(reg(), repo);
    const result = await applyRetention(plan, options());
    fake.assertNoViolations();

    // The refused index failed with GitHub's reason, and its children were not touched.
    const c10 = fx.candidates.get(10)!;
    const refused = result.outcomes.find((o) => o.deletion.digest === c10.digest)!;
    assert.equal(refused.status, 'failed');
    assert.match(refused.detail!, /5000 downloads cannot be deleted/);
    for (const child of [...c10.images, ...c10.attestations])
      assert.equal(result.outcomes.find((o) => o.deletion.digest === child.digest)?.status, 'skipped');
    assert.equal(result.counts.failed, 1);
    assert.equal(result.counts.skipped, 4);
    assert.equal(result.counts.deleted, plan.deletions.length - 5);

    // Every deletion went through DELETE .../versions/{id}, under 50 a minute of GitHub's (injected) clock.
    const deletes = fake.requests.filter((r) => r.method === 'DELETE');
    assert.ok(
      deletes.every(
        (r) => r.template === '/orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}',
      ),
    );
    for (let i = 50; i < deletesAt.length; i++)
      assert.ok(deletesAt[i] - deletesAt[i - 50] >= 60_000, `delete ${i} too soon`);
    assert.ok(deletesAt.length > 100, `${deletesAt.length} deletes`);
    assert.ok(result.notes.some((n) => /waited \d+ s in all to stay under GitHub's 50 deletions a minute/.test(n)));
    assert.equal(result.restore?.length, result.counts.deleted);
    assert.match(
      result.restore[0],
      /^gh api -X POST \/orgs\/acme\/packages\/container\/rocket\/versions\/\d+\/restore$/,
    );

    // Tags on kept manifests went by the empty-manifest trick; the releases they shared are intact.
    const untags = result.outcomes.filter((o) => o.deletion.action === 'untag');
    assert.ok(untags.length >= 2);
    for (const o of untags) assert.deepEqual([o.status, o.method], ['deleted', 'empty-manifest'], o.deletion.tags[0]);

    const after = await repositoryState(reg(), repo);
    assert.ok(!Object.values(after.manifests).includes('MISSING'));
    for (const k of plan.kept) assert.equal(after.tags[k.tag], before.tags[k.tag], k.tag);
    for (const t of plan.deletedTags)
      if (t.digest !== c10.digest) assert.equal(after.tags[t.tag], undefined, `${t.tag} still there`);
    assert.equal(result.verification.verdict, 'pass', result.verification.summary);
    for (const v of ['1.0.0', '1.1.0'])
      for (const m of [fx.releases.get(v)!, ...fx.releases.get(v)!.images, ...fx.releases.get(v)!.attestations])
        assert.ok(m.digest in after.manifests, `v${v} lost ${m.digest}`);
  });
});
