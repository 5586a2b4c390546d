import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { recordFigure } from '../../helpers/figures';
import { GitHubFake } from '../../helpers/github-fake';
import { ActionsScenario } from '../../helpers/github/actions-scenario';
import { ARTIFACTS, FIXTURES, REPO_ROOT } from '../../helpers/paths';
import { pushImage, pushIndex, startRegistry, tagManifest, type TestRegistry } from '../../helpers/registry';

/**
 * Every CLI command, run as a user runs it (node dist/cli.js, a fresh process), with known secrets in every
 * place the product reads them: GITHUB_TOKEN, docker config `auths`, a docker credential helper, and a wrong
 * password for the error paths. Then every byte it wrote (stdout, stderr, --json, JUnit, files in the
 * repository) is searched for each secret and its base64 forms: nothing may be found.
 */
const DOCKER = '/usr/bin/docker';
const secret = (what: string) => `ro-${what}-${randomBytes(12).toString('hex')}`;
const GH_TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const REG_PASSWORD = secret('registry-password');
const HELPER_PASSWORD = secret('helper-password');
const WRONG_PASSWORD = secret('wrong-password');

describe('reliability: no secret in any output of any command', function () {
  this.timeout(300_000);
  let reg: TestRegistry;
  let reg2: TestRegistry;
  let fake: GitHubFake;
  let scenario: ActionsScenario;
  let nextJob: () => { status: string; conclusion: string | null; jobs: unknown[] };
  let work: string;
  let repo: string;
  let dockerConfig: string;
  let wrongConfig: string;
  let bin: string;
  let image = '';
  const outputs: Array<{ command: string; code: number; text: string }> = [];

  const forms = (s: string, user: string) => [
    s,
    Buffer.from(s).toString('base64'),
    Buffer.from(`${user}:${s}`).toString('base64'),
    encodeURIComponent(s),
  ];
  const needles = () => [
    ...forms(GH_TOKEN, 'x-access-token'),
    ...forms(REG_PASSWORD, reg.credentials!.username),
    ...forms(HELPER_PASSWORD, reg2.credentials!.username),
    ...forms(WRONG_PASSWORD, reg.credentials!.username),
  ];

  before(async function () {
    this.timeout(300_000);
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    if (!existsSync(cli))
      throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(path.join(ARTIFACTS, 'secrets-'));
    reg = await startRegistry({ auth: 'token', password: REG_PASSWORD });
    reg2 = await startRegistry({ auth: 'htpasswd', password: HELPER_PASSWORD });
    fake = await GitHubFake.start();
    fake.token = GH_TOKEN;
    scenario = new ActionsScenario(fake);
    const job = (status: string, conclusion: string | null) => ({
      status,
      conclusion,
      // The log even echoes the token (GitHub masks its own secrets, not a token the user typed into a step).
      jobs: [
        {
          id: 7,
          name: 'build',
          status,
          conclusion,
          started_at: '2024-05-01T10:00:00Z',
          log: `2024-05-01T10:00:01.0000000Z ##[group]Run build\n2024-05-01T10:00:02.0000000Z login with ${GH_TOKEN}\n2024-05-01T10:01:04.0000000Z ##[error]Process completed with exit code 1.\n`,
          steps: [
            {
              name: 'Build',
              status,
              conclusion,
              started_at: '2024-05-01T10:00:00Z',
              completed_at: status === 'completed' ? '2024-05-01T10:01:05Z' : null,
            },
          ],
        },
      ],
    });
    scenario.addRun({
      id: 11,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [job('completed', 'failure')],
    });
    scenario.addRun({
      id: 12,
      workflowFile: 'release.yml',
      branch: 'main',
      event: 'push',
      actor: 'octocat',
      phases: [job('in_progress', null)],
    });
    nextJob = () => job('completed', 'success');

    // Images: an index with labels in the token registry, a single image in the helper's registry.
    const labels = {
      'org.opencontainers.image.version': '1.0.0',
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    };
    const idx = await pushIndex(
      reg,
      'acme/app',
      [
        await pushImage(reg, 'acme/app', { platform: 'linux/amd64', labels }),
        await pushImage(reg, 'acme/app', { platform: 'linux/arm64', labels }),
      ],
      { tag: 'v1.0.0', attestations: true },
    );
    await tagManifest(reg, 'acme/app', 'latest', idx);
    await tagManifest(reg, 'acme/app', 'v1', idx);
    await pushImage(reg, 'acme/app', { platform: 'linux/amd64', labels, tag: 'v0.9.0' });
    await pushImage(reg2, 'acme/helper', {
      platform: 'linux/amd64',
      tag: 'v1',
      files: { 'usr/local/bin/app': readFileSync('/bin/true') },
    });

    // Credentials: auths for the token registry, a credential helper (a script of ours) for the other.
    dockerConfig = path.join(work, 'docker');
    wrongConfig = path.join(work, 'docker-wrong');
    bin = path.join(work, 'bin');
    for (const d of [dockerConfig, wrongConfig, bin]) mkdirSync(d);
    const b64 = (u: string, p: string) => Buffer.from(`${u}:${p}`).toString('base64');
    writeFileSync(
      path.join(dockerConfig, 'config.json'),
      JSON.stringify({
        auths: { [reg.host]: { auth: b64(reg.credentials!.username, REG_PASSWORD) } },
        credHelpers: { [reg2.host]: 'rosecrets' },
      }),
    );
    writeFileSync(
      path.join(wrongConfig, 'config.json'),
      JSON.stringify({ auths: { [reg.host]: { auth: b64(reg.credentials!.username, WRONG_PASSWORD) } } }),
    );
    writeFileSync(
      path.join(bin, 'docker-credential-rosecrets'),
      `#!/bin/sh\n[ "$1" = get ] || exit 1\nread host\nprintf '{"ServerURL":"%s","Username":"${reg2.credentials!.username}","Secret":"${HELPER_PASSWORD}"}' "$host"\n`,
    );
    chmodSync(path.join(bin, 'docker-credential-rosecrets'), 0o755);

    // A repository: the GitHub fixture workflows, a Dockerfile, a config pointing at the test bed, a release tag.
    repo = path.join(work, 'repo');
    cpSync(path.join(FIXTURES, 'github', 'repo'), repo, { recursive: true });
    writeFileSync(
      path.join(repo, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n',
    );
    writeFileSync(path.join(repo, 'VERSION'), '1.0.0\n');
    writeFileSync(
      path.join(repo, 'release-operator.json'),
      JSON.stringify({
        image: `${reg.host}/acme/app`,
        dockerPath: DOCKER,
        requiredPlatforms: ['linux/amd64'],
        smoke: { port: 0, helpArgs: ['--help'], env: { TOKEN_SHOULD_NOT_LEAK: 'no' } },
      }),
    );
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['remote', 'add', 'origin', 'https://github.com/acme/app.git'],
      ['add', '.'],
      ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init'],
      ['tag', 'v1.0.0'],
    ]) {
      const r = await runProcess('git', args, { cwd: repo });
      assert.equal(r.exitCode, 0, r.stderr);
    }

    // A local image for smoke (FROM scratch busybox), labelled as this suite's.
    const ctx = path.join(work, 'ctx');
    mkdirSync(ctx);
    cpSync('/bin/busybox', path.join(ctx, 'busybox'));
    writeFileSync(
      path.join(ctx, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT ["/bin/busybox"]\n',
    );
    image = `ro-reliability-secrets:${process.pid}`;
    const b = await runProcess(
      DOCKER,
      ['build', '-q', '--label', 'release-operator.test=reliability', '-t', image, ctx],
      { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 120_000 },
    );
    assert.equal(b.exitCode, 0, b.stderr);
  });

  after(async () => {
    if (image) await runProcess(DOCKER, ['rmi', '-f', image]);
    await fake?.close();
    await reg?.stop();
    await reg2?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function run(args: string[], expect: number[], env: Record<string, string> = {}): Promise<void> {
    const r = await runProcess('node', [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args, '--cwd', repo], {
      timeoutMs: 180_000,
      env: {
        GITHUB_TOKEN: GH_TOKEN,
        GITHUB_API_URL: fake.url,
        DOCKER_CONFIG: dockerConfig,
        PATH: `${bin}:${process.env.PATH}`,
        RELEASE_OPERATOR_DOCKER: DOCKER,
        ...env,
      },
    });
    outputs.push({ command: args.join(' '), code: r.exitCode, text: `${r.stdout}\n${r.stderr}` });
    assert.ok(
      expect.includes(r.exitCode),
      `release-operator ${args.join(' ')} exited ${r.exitCode} (expected ${expect.join(' or ')}):\n${r.stdout}\n${r.stderr}`,
    );
  }

  it('runs every command (text, --json and --verbose) and the error paths', async () => {
    const ref = `${reg.host}/acme/app`;
    const junit = path.join(work, 'smoke.xml');
    for (const mode of [[], ['--json'], ['--verbose']]) {
      await run(['status', ...mode], [0]);
      await run(['lint', ...mode], [0, 1]);
      await run(['manifest', `${ref}:v1.0.0`, ...mode], [0]);
      await run(['manifest', `${reg2.host}/acme/helper:v1`, ...mode], [0]);
      await run(['tags', ref, ...mode], [0]);
      await run(['verify', `${ref}:v1.0.0`, ...mode], [0, 1]);
      await run(['glibc', `${reg2.host}/acme/helper:v1`, '--policy', 'bookworm', ...mode], [0, 1]);
      await run(['glibc', `${ref}:v1.0.0`, '--policy', 'bookworm', ...mode], [0, 1]);
      await run(['smoke', image, '--platform', 'linux/amd64', '--junit', junit, ...mode], [0]);
      await run(['cleanup', '--run', 'nothing-to-clean', ...mode], [0]);
      await run(['runs', ...mode], [0]);
      await run(['run', '11', ...mode], [1]);
      await run(['logs', '11', ...mode], [0]);
      await run(['rerun', '11', '--failed', ...mode], [0]);
      await run(['cancel', '12', '--yes', ...mode], [0]);
      scenario.nextDispatch = { id: 500 + outputs.length, workflowFile: 'release.yml', phases: [nextJob() as never] };
      await run(['dispatch', 'release.yml', '--ref', 'main', '--input', 'version=1.0.0', ...mode], [0]);
      await run(['audit', ...mode], [0, 1]);
      await run(['rollback', ref, '--to', 'v0.9.0', '--yes', ...mode], [0]);
      await run(['rollback', ref, '--to', 'v1.0.0', '--yes', ...mode], [0]);
      // Error paths: a wrong registry password, a GitHub token the server refuses, a registry that is down.
      await run(['manifest', `${ref}:v1.0.0`, ...mode], [3], { DOCKER_CONFIG: wrongConfig });
      await run(['runs', ...mode], [2, 3], { GITHUB_TOKEN: `${GH_TOKEN}-expired` });
      await run(['manifest', `127.0.0.1:9/acme/app:v1`, ...mode], [3]);
    }
    assert.ok(readFileSync(junit, 'utf8').includes('<testsuite'), 'the JUnit report was written');
    // The job log that echoed the token was shown, with the token masked: the search below is not vacuous.
    assert.match(outputs.find((o) => o.command === 'logs 11')!.text, /login with \*\*\*/);
  });

  it('finds none of the secrets in stdout, stderr, --json, JUnit or any file the commands wrote', () => {
    const found: string[] = [];
    const search = (where: string, text: string) => {
      for (const n of needles()) if (text.includes(n)) found.push(`${where} contains ${n.slice(0, 12)}…`);
    };
    for (const o of outputs) search(`release-operator ${o.command}`, o.text);
    // Files the commands wrote: the JUnit report and anything in the repository (git's own folder aside).
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) =>
        f === '.git' ? [] : statSync(path.join(dir, f)).isDirectory() ? walk(path.join(dir, f)) : [path.join(dir, f)],
      );
    for (const f of [path.join(work, 'smoke.xml'), ...walk(repo)]) search(f, readFileSync(f, 'utf8'));
    recordFigure('secrets-leaked', 'CLI', { commands: outputs.length, secrets: 4, leaked: found.length });
    assert.ok(outputs.length >= 60, `only ${outputs.length} command runs were searched`);
    assert.deepEqual(found, []);
  });
});
