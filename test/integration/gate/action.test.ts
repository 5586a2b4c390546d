import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runAction, type ActionRun } from '../../helpers/action';
import { GitHubFake } from '../../helpers/github-fake';
import { ARTIFACTS, FIXTURES } from '../../helpers/paths';
import { pushImage, pushIndex, useRegistry } from '../../helpers/registry';
import { runProcess } from '../../../src/core/process/run';
import {
  buildRelease,
  DOCKER,
  GATE_TEST_LABEL,
  pushCandidate,
  releaseWorkspace,
  type Workspace,
} from '../../helpers/release-fixture';
import { PUSH_FIRST_WORKFLOW } from '../../helpers/workflows';

const REPO = 'acme/rocket';
const BOTH = 'linux/amd64,linux/arm64';

const PUSH_FIRST = PUSH_FIRST_WORKFLOW;

describe('the GitHub Action, run as the runner runs it, against a real registry and Docker engine', function () {
  this.timeout(600_000);
  const registry = useRegistry('none');
  const cleanups: Array<() => Promise<void>> = [];
  let fake: GitHubFake;
  const image = () => `${registry().host}/${REPO}`;

  before(async () => {
    fake = await GitHubFake.start();
    cleanups.push(() => fake.close());
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    // Images these tests built (untagged ones left by a rebuild too) and those the candidate flow pulled by digest.
    const ids = await runProcess(DOCKER, ['images', '-q', '--filter', `label=${GATE_TEST_LABEL}`]);
    const all = [
      ...new Set(
        ids.stdout
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ];
    if (all.length) await runProcess(DOCKER, ['rmi', '-f', ...all]);
  });
  afterEach(() => fake.assertNoViolations());

  async function workspace(o: Parameters<typeof releaseWorkspace>[0] = {}): Promise<Workspace> {
    const ws = await releaseWorkspace(o);
    cleanups.push(() => ws.remove());
    return ws;
  }
  function runnerDir(): string {
    const dir = mkdtempSync(path.join(ARTIFACTS, 'runner-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    return dir;
  }
  const step = (
    fixture: string,
    ws: Workspace,
    dir: string,
    inputs: Record<string, string>,
    env: Record<string, string> = {},
  ) =>
    runAction({
      fixture,
      workspace: ws.dir,
      runnerDir: dir,
      inputs: { image: image(), ...inputs },
      env: { GITHUB_SHA: ws.commit, GITHUB_API_URL: fake.url, ...env },
      token: fake.token,
    });
  const explain = (r: ActionRun) => `exit ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-2000)}`;

  it('a good two-platform release passes every stage, each with a job summary naming every check', async () => {
    const ws = await workspace({ tag: 'v1.2.3' });
    const dir = runnerDir();
    const amd64 = await buildRelease(ws, `ro-gate-good:${process.pid}-amd64`, 'linux/amd64', { version: '1.2.3' });
    const arm64 = await buildRelease(ws, `ro-gate-good:${process.pid}-arm64`, 'linux/arm64', { version: '1.2.3' });

    const pre = await step('tag-push', ws, dir, {
      stage: 'pre-push',
      platforms: BOTH,
      'local-images': `linux/amd64=ro-gate-good:${process.pid}-amd64\nlinux/arm64=ro-gate-good:${process.pid}-arm64`,
    });
    assert.equal(pre.code, 0, explain(pre));
    assert.equal(pre.outputs.verdict, 'pass');
    assert.deepEqual(JSON.parse(pre.outputs['platform-digests']), { 'linux/amd64': amd64, 'linux/arm64': arm64 });
    for (const name of [
      'Images to test',
      'Pipeline lint',
      'glibc linux/amd64',
      'glibc linux/arm64',
      'Smoke linux/amd64',
      'Smoke linux/arm64',
    ])
      assert.match(pre.summary, new RegExp(`\\| ${name} \\| ✅ pass \\|`), pre.summary);
    assert.match(pre.summary, /flow: local/);
    // One log group per platform with its smoke steps.
    assert.ok(
      pre.groups['smoke linux/amd64: passed']?.some((l) => /ok {3}health/.test(l)),
      JSON.stringify(pre.groups),
    );
    assert.ok(pre.groups['smoke linux/arm64: passed']?.some((l) => /ok {3}emulation/.test(l)));
    const report = JSON.parse(readFileSync(pre.outputs['report-path'], 'utf8')) as { stage: string; verdict: string };
    assert.deepEqual([report.stage, report.verdict], ['pre-push', 'pass']);

    for (const arch of ['amd64', 'arm64'])
      await pushCandidate(`ro-gate-good:${process.pid}-${arch}`, `${image()}:candidate-57-${arch}`);
    const asm = await step('tag-push', ws, dir, {
      stage: 'assemble',
      platforms: BOTH,
      candidates: `${image()}:candidate-57-amd64\n${image()}:candidate-57-arm64`,
    });
    assert.equal(asm.code, 0, explain(asm));
    assert.match(asm.outputs.digest, /^sha256:[a-f0-9]{64}$/);
    assert.match(
      asm.stdout,
      /3\. tags, in this order:\n\s+v1\.2\.3 .*\n\s+[0-9a-f]{7} .*\n\s+v1\.2 .*\n\s+v1 .*\n\s+latest /,
    );

    const post = await step('tag-push', ws, dir, {
      stage: 'post-push',
      platforms: BOTH,
      reference: `${image()}@${asm.outputs.digest}`,
    });
    assert.equal(post.code, 0, explain(post));
    for (const name of ['Required platforms', 'Labels', 'Pushed is tested', 'Tag scheme'])
      assert.match(post.summary, new RegExp(`\\| ${name} \\| ✅ pass \\|`));
    assert.match(post.summary, /2 platforms: the pushed image is the one smoke tested/);

    const release = await step('tag-push', ws, dir, { stage: 'pre-release', platforms: BOTH });
    assert.equal(release.code, 0, explain(release));
    assert.equal(release.outputs.digest, asm.outputs.digest);

    const ex = fake.example<Record<string, unknown>>('GET', '/repos/{owner}/{repo}/releases/latest');
    const published = { ...ex, id: 7, tag_name: 'v1.2.3', name: 'v1.2.3', draft: false, prerelease: false };
    fake.route('GET', '/repos/{owner}/{repo}/releases', () => ({ body: [published] }));
    fake.route('GET', '/repos/{owner}/{repo}/releases/latest', () => ({ body: published }));
    const after = await step('release-published', ws, dir, { stage: 'post-release', platforms: BOTH });
    assert.equal(after.code, 0, explain(after));
    assert.match(after.summary, /\| Release consistency \| ✅ pass \|/);
    // The token is masked before anything else is written, and appears nowhere else.
    assert.ok(after.stdout.startsWith(`::add-mask::${fake.token}\n`), after.stdout.slice(0, 200));
    for (const run of [pre, asm, post, release, after])
      assert.ok(!run.stdout.slice(run.stdout.indexOf('\n')).includes(fake.token) && !run.summary.includes(fake.token));
  });

  it('several images: every image gated by default (local-images IMAGE:PLATFORM=REF), outputs keyed by image, one summary; the image input picks one', async () => {
    const dockerfile = readFileSync(path.join(FIXTURES, 'smoke', 'Dockerfile'), 'utf8');
    const config = {
      requiredPlatforms: ['linux/amd64'],
      images: [
        { name: 'app', image: `${registry().host}/acme/app` },
        { name: 'worker', image: `${registry().host}/acme/worker`, dockerfile: 'worker.Dockerfile' },
      ],
    };
    const ws = await workspace({
      tag: 'v1.2.3',
      files: { 'release-operator.json': JSON.stringify(config), 'worker.Dockerfile': dockerfile },
    });
    const dir = runnerDir();
    const app = await buildRelease(ws, `ro-gate-images:${process.pid}-app`, 'linux/amd64', { version: '1.2.3' });
    const worker = await buildRelease(ws, `ro-gate-images:${process.pid}-worker`, 'linux/amd64', {
      version: '1.2.3',
      mode: 'healthy',
      delay: '1',
    });
    const run = (inputs: Record<string, string>) =>
      runAction({
        fixture: 'tag-push',
        workspace: ws.dir,
        runnerDir: dir,
        inputs,
        env: { GITHUB_SHA: ws.commit, GITHUB_API_URL: fake.url },
        token: fake.token,
      });
    const locals = `app:linux/amd64=ro-gate-images:${process.pid}-app\nworker:linux/amd64=ro-gate-images:${process.pid}-worker`;
    const both = await run({ stage: 'pre-push', 'local-images': locals });
    assert.equal(both.code, 0, explain(both));
    assert.equal(both.outputs.verdict, 'pass');
    const images = JSON.parse(both.outputs.images) as Record<
      string,
      { image: string; verdict: string; 'platform-digests': Record<string, string>; 'record-path'?: string }
    >;
    assert.deepEqual(Object.keys(images), ['app', 'worker']);
    assert.equal(images.app.image, `${registry().host}/acme/app`);
    assert.deepEqual(images.app['platform-digests'], { 'linux/amd64': app });
    assert.deepEqual(images.worker['platform-digests'], { 'linux/amd64': worker });
    assert.equal(images.worker.verdict, 'pass');
    assert.match(images.worker['record-path'] ?? '', /pre-push-worker-linux-amd64\.json$/);
    assert.deepEqual(JSON.parse(both.outputs['platform-digests']), {
      'app linux/amd64': app,
      'worker linux/amd64': worker,
    });
    // The summary: a table of the images, then one report whose rows say the image; the workflows linted once.
    assert.match(both.summary, new RegExp(`\\| app \\| \`${registry().host}/acme/app\` \\| pass \\|`));
    assert.match(both.summary, /\| worker \| `[^`]+\/acme\/worker` \| pass \|/);
    for (const name of [
      'Pipeline lint',
      'Dockerfile lint app Dockerfile',
      'Dockerfile lint worker worker.Dockerfile',
      'Smoke app linux/amd64',
      'Smoke worker linux/amd64',
      'glibc worker linux/amd64',
    ])
      assert.match(both.summary, new RegExp(`\\| ${name} \\| ✅ pass \\|`), both.summary);
    assert.equal(both.summary.match(/\| Pipeline lint /g)?.length, 1);

    // The image input names one image: that one alone, its local images with or without the image's name.
    const one = await run({
      stage: 'pre-push',
      image: 'worker',
      skip: 'lint',
      'local-images': `linux/amd64=ro-gate-images:${process.pid}-worker`,
    });
    assert.equal(one.code, 0, explain(one));
    assert.deepEqual(Object.keys(JSON.parse(one.outputs.images)), ['worker']);
    assert.deepEqual(JSON.parse(one.outputs['platform-digests']), { 'linux/amd64': worker });
    assert.doesNotMatch(one.summary, /\| Image \| Repository \|/);

    // Bad input says what to do: a local image without its image's name, an unknown name, assemble without one.
    const unnamed = await run({ stage: 'pre-push', 'local-images': `linux/amd64=ro-gate-images:${process.pid}-app` });
    assert.equal(unnamed.code, 1);
    assert.match(unnamed.stdout, /each local-images entry must say its image: NAME:PLATFORM=REF/);
    const unknown = await run({ stage: 'pre-push', image: 'nope', 'local-images': locals });
    assert.match(unknown.stdout, /'nope' is not one of the configured images \(app, worker\)/);
    const shared = await run({ stage: 'post-push', reference: `${registry().host}/acme/app:v1.2.3` });
    assert.equal(shared.code, 1);
    assert.match(shared.stdout, /The reference input names one image's references, and 2 images are chosen/);
    const asm = await run({ stage: 'assemble', candidates: `${registry().host}/acme/app:candidate-1-amd64` });
    assert.equal(asm.code, 1);
    assert.match(asm.stdout, /assemble makes one image's index; 2 images are configured \(app, worker\)/);
  });

  it('an image whose arm64 entry is missing fails post-push, and the summary names arm64', async () => {
    const ws = await workspace();
    const dir = runnerDir();
    const labels = {
      'org.opencontainers.image.version': '2.0.0',
      'org.opencontainers.image.revision': ws.commit,
      'org.opencontainers.image.source': 'https://github.com/acme/rocket',
    };
    const amd = await pushImage(registry(), REPO, { platform: 'linux/amd64', labels });
    await pushIndex(registry(), REPO, [amd], { tag: 'v2.0.0', attestations: true });
    const r = await step('branch-push', ws, dir, { stage: 'post-push', version: '2.0.0', platforms: BOTH });
    assert.equal(r.code, 1, explain(r));
    assert.equal(r.outputs.verdict, 'problem');
    assert.match(r.summary, /\| Required platforms \| ❌ problem \|/);
    assert.match(r.summary, /lacks platform linux\/arm64 \(has: linux\/amd64\)/);
    assert.ok(
      r.annotations.some((a) => a.level === 'error' && /lacks platform linux\/arm64/.test(a.message)),
      r.stdout,
    );
    // The attestation is not taken for a platform.
    assert.match(r.summary, /linux\/amd64 sha256:[a-f0-9]{12} \(\+1 attestation\)/);
  });

  it('an image pushed after the smoke test, from a different build, fails "pushed is tested"', async () => {
    const ws = await workspace();
    const dir = runnerDir();
    const tag = (arch: string) => `ro-gate-swap:${process.pid}-${arch}`;
    await buildRelease(ws, tag('amd64'), 'linux/amd64', { version: '3.0.0' });
    await buildRelease(ws, tag('arm64'), 'linux/arm64', { version: '3.0.0' });
    const pre = await step('workflow-dispatch', ws, dir, {
      stage: 'pre-push',
      version: '3.0.0',
      platforms: BOTH,
      'local-images': `linux/amd64=${tag('amd64')}\nlinux/arm64=${tag('arm64')}`,
      skip: 'lint',
    });
    assert.equal(pre.code, 0, explain(pre));
    // Rebuilt after the smoke test (another build argument: another image), then pushed.
    const swapped = await buildRelease(ws, tag('amd64'), 'linux/amd64', { version: '3.0.0', delay: '1' });
    for (const arch of ['amd64', 'arm64']) await pushCandidate(tag(arch), `${image()}:candidate-58-${arch}`);
    const asm = await step('workflow-dispatch', ws, dir, {
      stage: 'assemble',
      version: '3.0.0',
      platforms: BOTH,
      candidates: `${image()}:candidate-58-amd64\n${image()}:candidate-58-arm64`,
    });
    assert.equal(asm.code, 0, explain(asm));
    const post = await step('workflow-dispatch', ws, dir, { stage: 'post-push', version: '3.0.0', platforms: BOTH });
    assert.equal(post.code, 1, explain(post));
    assert.match(post.summary, /\| Pushed is tested \| ❌ problem \|/);
    const finding = post.annotations.find((a) => a.title === 'Pushed is tested');
    assert.ok(finding, post.stdout);
    assert.match(
      finding.message,
      new RegExp(`linux/amd64: the registry holds image ${swapped}, but smoke tested sha256:`),
    );
    assert.ok(!post.annotations.some((a) => /linux\/arm64:/.test(a.message)), 'arm64 was pushed as tested');
  });

  it('a failing smoke test stops before the push: the step fails, nothing is recorded, the annotation is on the ENTRYPOINT', async () => {
    const ws = await workspace();
    const dir = runnerDir();
    await buildRelease(ws, `ro-gate-crash:${process.pid}-amd64`, 'linux/amd64', { version: '4.0.0', mode: 'crash' });
    const r = await step('branch-push', ws, dir, {
      stage: 'pre-push',
      version: '4.0.0',
      platforms: 'linux/amd64',
      'local-images': `ro-gate-crash:${process.pid}-amd64`,
      skip: 'lint',
    });
    assert.equal(r.code, 1, explain(r));
    assert.equal(r.outputs.verdict, 'problem');
    const records = path.join(dir, '_temp', 'release-operator', 'gate-records');
    assert.ok(!existsSync(records) || readdirSync(records).length === 0, 'a failed pre-push records nothing');
    const entry =
      readFileSync(path.join(ws.dir, 'Dockerfile'), 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('ENTRYPOINT')) + 1;
    const a = r.annotations.find((x) => x.title === 'Smoke linux/amd64');
    assert.ok(a, r.stdout);
    assert.deepEqual([a.level, a.file, a.line], ['error', 'Dockerfile', entry]);
    assert.match(a.message, /exited with code 3/);
    assert.match(r.summary, /fatal: cannot open \/etc\/fixture\.conf/, 'the log tail is in the summary');
  });

  it('lint findings are annotated at their workflow file and line', async () => {
    const ws = await workspace({ workflows: { 'quick.yml': PUSH_FIRST } });
    const dir = runnerDir();
    await buildRelease(ws, `ro-gate-lint:${process.pid}-amd64`, 'linux/amd64', { version: '5.0.0' });
    const r = await step('branch-push', ws, dir, {
      stage: 'pre-push',
      version: '5.0.0',
      platforms: 'linux/amd64',
      'local-images': `linux/amd64=ro-gate-lint:${process.pid}-amd64`,
      skip: 'glibc,smoke',
    });
    assert.equal(r.code, 1, explain(r));
    const line = PUSH_FIRST.split('\n').findIndex((l) => l.includes('docker push')) + 1;
    const w001 = r.annotations.find((a) => a.title?.includes('RO-W001'));
    assert.ok(w001, r.stdout);
    assert.deepEqual([w001.level, w001.file, w001.line], ['error', '.github/workflows/quick.yml', line]);
    assert.match(r.summary, /skipped glibc: asked for/);
  });

  it('the candidate flow: each platform pushed by digest, gated by digest on its own runner, assembled from the records', async () => {
    const ws = await workspace();
    const records = path.join(runnerDir(), 'gate-records');
    const digests: string[] = [];
    for (const arch of ['amd64', 'arm64']) {
      const local = `ro-gate-cand:${process.pid}-${arch}`;
      await buildRelease(ws, local, `linux/${arch}`, { version: '6.0.0' });
      await pushCandidate(local, `${image()}:tmp-${arch}`);
      // The pushed manifest, then only its digest: what push-by-digest leaves.
      const head = await fetch(`${registry().url}/v2/${REPO}/manifests/tmp-${arch}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      });
      digests.push(head.headers.get('docker-content-digest')!);
      const own = runnerDir();
      const r = await step('tag-push', ws, own, {
        stage: 'pre-push',
        version: '6.0.0',
        platforms: `linux/${arch}`,
        candidates: `${image()}@${digests.at(-1)}`,
        record: records,
        skip: 'lint',
      });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.summary, /flow: candidate/);
    }
    assert.equal(readdirSync(records).length, 2);
    const dir = runnerDir();
    const asm = await step('tag-push', ws, dir, {
      stage: 'assemble',
      version: '6.0.0',
      platforms: BOTH,
      record: records,
    });
    assert.equal(asm.code, 0, explain(asm));
    assert.deepEqual(
      Object.values(JSON.parse(asm.outputs['platform-digests']) as Record<string, string>).sort(),
      [...digests].sort(),
    );
    const post = await step('tag-push', ws, dir, {
      stage: 'post-push',
      version: '6.0.0',
      platforms: BOTH,
      reference: `${image()}@${asm.outputs.digest}`,
      record: records,
    });
    assert.equal(post.code, 0, explain(post));
  });

  describe('the version and commit come from the runner environment, as each event sets it', () => {
    // The fixtures' own tag is v1.2.3 (another test's release in this registry): this table releases v7.1.0.
    const TAG = { GITHUB_REF: 'refs/tags/v7.1.0', GITHUB_REF_NAME: 'v7.1.0' };
    const table: Array<{
      fixture: string;
      env: Record<string, string>;
      inputs: Record<string, string>;
      verdict: string;
      version: string;
    }> = [
      { fixture: 'tag-push', env: TAG, inputs: {}, verdict: 'pass', version: '7.1.0' },
      { fixture: 'release-published', env: TAG, inputs: {}, verdict: 'pass', version: '7.1.0' },
      // A branch push names no version: the repository's VERSION file does.
      { fixture: 'branch-push', env: {}, inputs: {}, verdict: 'pass', version: '7.1.0' },
      // A manual run passes it as an input.
      { fixture: 'workflow-dispatch', env: {}, inputs: { version: 'v7.1.0' }, verdict: 'pass', version: '7.1.0' },
      // Another tag: its image is not there, and the report says which version it looked for.
      {
        fixture: 'tag-push',
        env: { GITHUB_REF: 'refs/tags/v7.2.0', GITHUB_REF_NAME: 'v7.2.0' },
        inputs: {},
        verdict: 'problem',
        version: '7.2.0',
      },
    ];
    let ws: Workspace;
    before(async () => {
      ws = await workspace({ files: { VERSION: '7.1.0\n' } });
      const labels = {
        'org.opencontainers.image.version': '7.1.0',
        'org.opencontainers.image.revision': ws.commit,
        'org.opencontainers.image.source': 'https://github.com/acme/rocket',
      };
      const images = await Promise.all(
        ['linux/amd64', 'linux/arm64'].map((platform) => pushImage(registry(), REPO, { platform, labels })),
      );
      await pushIndex(registry(), REPO, images, { tag: 'v7.1.0', attestations: true });
    });
    for (const row of table)
      it(`${row.fixture}${row.env.GITHUB_REF ? ` (${row.env.GITHUB_REF})` : ''}: version ${row.version}, ${row.verdict}`, async () => {
        const r = await step(
          row.fixture,
          ws,
          runnerDir(),
          { stage: 'pre-release', platforms: BOTH, ...row.inputs },
          row.env,
        );
        assert.equal(r.outputs.verdict, row.verdict, explain(r));
        assert.equal(r.code, row.verdict === 'pass' ? 0 : 1);
        const report = JSON.parse(readFileSync(r.outputs['report-path'], 'utf8')) as { version: string };
        assert.equal(report.version, row.version);
        if (row.verdict !== 'pass')
          assert.match(r.summary, new RegExp(`has no tag v${row.version.replace(/\./g, '\\.')}`));
      });
  });
});
