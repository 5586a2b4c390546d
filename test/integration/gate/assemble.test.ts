import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { contentCache, RegistryClient } from '../../../src/core/registry';
import { REPO_ROOT } from '../../helpers/paths';
import {
  pushImage,
  pushIndex,
  skopeoRaw,
  startProxy,
  tagManifest,
  useRegistry,
  type PushedManifest,
  type TestRegistry,
} from '../../helpers/registry';

const REPO = 'acme/rocket';
const BOTH = 'linux/amd64,linux/arm64';

/** An empty folder as the working folder: no repository around, so no version or commit comes from it. */
const EMPTY = mkdtempSync(path.join(os.tmpdir(), 'ro-assemble-cwd-'));

async function cli(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    [...args, '--cwd', EMPTY],
    { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

/** Where every tag of the repository points, read straight from the registry. */
async function tagsOf(reg: TestRegistry): Promise<Record<string, string>> {
  const list = (await (await fetch(`${reg.url}/v2/${REPO}/tags/list`)).json()) as { tags: string[] | null };
  const out: Record<string, string> = {};
  for (const tag of (list.tags ?? []).sort()) {
    const head = await fetch(`${reg.url}/v2/${REPO}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        accept: [
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.docker.distribution.manifest.v2+json',
        ].join(', '),
      },
    });
    if (head.status === 200) out[tag] = head.headers.get('docker-content-digest')!;
  }
  return out;
}

const labels = (version: string) => ({
  'org.opencontainers.image.version': version,
  'org.opencontainers.image.revision': 'abc1234def',
  'org.opencontainers.image.source': 'https://github.com/acme/rocket',
});

/** A per-platform push as BuildKit makes it: an index of the platform's image and its attestation, under a tag. */
async function platformPush(reg: TestRegistry, arch: string, version: string, tag: string) {
  const img = await pushImage(reg, REPO, { platform: `linux/${arch}`, labels: labels(version) });
  const idx = await pushIndex(reg, REPO, [img], { tag, attestations: true });
  return { img, idx };
}

/** An older release, fully tagged, that the new one must leave alone or move forward only. */
async function previousRelease(reg: TestRegistry, version: string, tags: string[]): Promise<PushedManifest> {
  const imgs = await Promise.all(
    ['amd64', 'arm64'].map((a) => pushImage(reg, REPO, { platform: `linux/${a}`, labels: labels(version) })),
  );
  const idx = await pushIndex(reg, REPO, imgs, { tag: `v${version}`, attestations: true });
  for (const t of tags) await tagManifest(reg, REPO, t, idx);
  return idx;
}

describe('assemble on a real registry', function () {
  this.timeout(180_000);
  const registry = useRegistry('none');
  beforeEach(() => contentCache.clear());
  after(() => rmSync(EMPTY, { recursive: true, force: true }));

  it('two single-platform pushes become one verified index, attestations under their platform; candidates cleaned without breaking it', async () => {
    const reg = registry();
    const amd = await platformPush(reg, 'amd64', '1.0.0', 'candidate-11-amd64');
    const arm = await platformPush(reg, 'arm64', '1.0.0', 'candidate-11-arm64');
    const r = await cli(
      'assemble',
      '--image',
      `${reg.host}/${REPO}`,
      '--source',
      `${reg.host}/${REPO}:candidate-11-amd64`,
      '--source',
      `${reg.host}/${REPO}:candidate-11-arm64`,
      '--version',
      '1.0.0',
      '--commit',
      'abc1234def',
      '--platforms',
      BOTH,
      '--json',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { digest: string; written: string[] };
    assert.deepEqual(out.written, ['v1.0.0', 'abc1234', 'v1.0', 'v1', 'latest']);
    // The plan went out first, before anything was written.
    assert.ok(r.stderr.indexOf('3. tags, in this order') < r.stderr.indexOf('index: done'), r.stderr);

    const info = await new RegistryClient().inspect(`${reg.host}/${REPO}:v1.0.0`);
    assert.equal(info.digest, out.digest);
    assert.deepEqual(
      info.platforms.map((p) => [p.platform, p.digest, p.attestations.map((a) => a.refersTo)]),
      [
        ['linux/amd64', amd.img.digest, [amd.img.digest]],
        ['linux/arm64', arm.img.digest, [arm.img.digest]],
      ],
    );
    assert.deepEqual(info.attestations, []);
    // skopeo, the peer, reads back the same bytes under the version tag.
    const raw = JSON.parse((await skopeoRaw(reg, `${reg.host}/${REPO}:v1.0.0`)).toString()) as {
      manifests: Array<{ digest: string }>;
    };
    assert.deepEqual(
      raw.manifests.map((m) => m.digest),
      [amd.img.digest, arm.img.digest, amd.idx.attestations[0].digest, arm.idx.attestations[0].digest],
    );
    // The candidate indexes are gone (distribution 2.8 cannot untag; nothing referred to them, so their manifests
    // went); every manifest the new index names is still there.
    const tags = await tagsOf(reg);
    assert.ok(!('candidate-11-amd64' in tags) && !('candidate-11-arm64' in tags), JSON.stringify(tags));
    const verify = await cli(
      'gate',
      '--stage',
      'pre-release',
      '--image',
      `${reg.host}/${REPO}`,
      '--version',
      '1.0.0',
      '--commit',
      'abc1234def',
      '--platforms',
      BOTH,
    );
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  });

  it('a candidate tag on a manifest the index refers to stays, with the reason, when the registry cannot untag', async () => {
    const reg = registry();
    for (const a of ['amd64', 'arm64'])
      await pushImage(reg, REPO, { platform: `linux/${a}`, labels: labels('1.1.0'), tag: `candidate-12-${a}` });
    const r = await cli(
      'assemble',
      '--image',
      `${reg.host}/${REPO}`,
      '--source',
      `${reg.host}/${REPO}:candidate-12-amd64,${reg.host}/${REPO}:candidate-12-arm64`,
      '--version',
      '1.1.0',
      '--platforms',
      BOTH,
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /candidate-12-amd64 kept: this registry cannot remove a tag alone, and deleting its manifest would break what refers to it/,
    );
    const tags = await tagsOf(reg);
    assert.ok('candidate-12-amd64' in tags && tags['v1.1.0'] === tags.latest);
  });

  it('never moves latest or the major tag back: a backport moves its minor tag only', async () => {
    const reg = registry();
    const newer = await previousRelease(reg, '1.3.0', ['v1.3', 'v1', 'latest']);
    await platformPush(reg, 'amd64', '1.2.4', 'candidate-13-amd64');
    await platformPush(reg, 'arm64', '1.2.4', 'candidate-13-arm64');
    const r = await cli(
      'assemble',
      '--image',
      `${reg.host}/${REPO}`,
      '--source',
      `${reg.host}/${REPO}:candidate-13-amd64`,
      '--source',
      `${reg.host}/${REPO}:candidate-13-arm64`,
      '--version',
      '1.2.4',
      '--commit',
      'abc1234def',
      '--platforms',
      BOTH,
      '--json',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout) as { digest: string; written: string[] };
    assert.deepEqual(out.written, ['v1.2.4', 'abc1234', 'v1.2']);
    const tags = await tagsOf(reg);
    assert.equal(tags.latest, newer.digest);
    assert.equal(tags.v1, newer.digest);
    assert.equal(tags['v1.2'], out.digest);
    assert.match(r.stderr, /v1 +left alone: the newer 1\.3\.0 holds it/);
  });

  it('--dry-run prints the plan and writes nothing', async () => {
    const reg = registry();
    await platformPush(reg, 'amd64', '1.4.0', 'candidate-14-amd64');
    await platformPush(reg, 'arm64', '1.4.0', 'candidate-14-arm64');
    const before = await tagsOf(reg);
    const r = await cli(
      'assemble',
      '--image',
      `${reg.host}/${REPO}`,
      '--source',
      `${reg.host}/${REPO}:candidate-14-amd64`,
      '--source',
      `${reg.host}/${REPO}:candidate-14-arm64`,
      '--version',
      '1.4.0',
      '--platforms',
      BOTH,
      '--dry-run',
    );
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(
      r.stdout,
      /1\. index sha256:[a-f0-9]{64}: linux\/amd64 \(\+1 attestation\), linux\/arm64 \(\+1 attestation\)/,
    );
    assert.match(r.stdout, /dry run: nothing was written/);
    assert.deepEqual(await tagsOf(reg), before);
  });

  describe('interrupted', () => {
    it('a fault between writing the index and reading it back leaves every previous tag untouched', async () => {
      const reg = registry();
      const old = await previousRelease(reg, '2.0.0', ['v2.0', 'v2', 'latest']);
      await platformPush(reg, 'amd64', '2.1.0', 'candidate-21-amd64');
      await platformPush(reg, 'arm64', '2.1.0', 'candidate-21-arm64');
      const before = await tagsOf(reg);
      // The registry "loses" the index: its read-back by digest answers 404.
      const proxy = await startProxy(reg, {
        faults: [{ method: 'HEAD', path: /\/manifests\/sha256:/, times: 1, respond: { status: 404 } }],
      });
      try {
        const r = await cli(
          'assemble',
          '--image',
          `${proxy.host}/${REPO}`,
          '--source',
          `${proxy.host}/${REPO}:candidate-21-amd64`,
          '--source',
          `${proxy.host}/${REPO}:candidate-21-arm64`,
          '--version',
          '2.1.0',
          '--platforms',
          BOTH,
        );
        assert.equal(r.code, 1, r.stderr + r.stdout);
        assert.match(r.stdout, /verify +FAILED: .*is not in the registry after it was written/);
        assert.match(r.stdout, /tags +not run/);
      } finally {
        await proxy.stop();
      }
      const after = await tagsOf(reg);
      assert.deepEqual(after, before);
      assert.equal(after.latest, old.digest);
    });

    it('killed while it reads the index back, it leaves every previous tag untouched (and a rerun finishes)', async () => {
      const cliJs = path.join(REPO_ROOT, 'dist', 'cli.js');
      if (!existsSync(cliJs))
        throw new Error('dist/cli.js is missing: build it first with `node esbuild.mjs` (test/run-all.sh does)');
      const reg = registry();
      const old = await previousRelease(reg, '3.0.0', ['v3.0', 'v3', 'latest']);
      await platformPush(reg, 'amd64', '3.1.0', 'candidate-31-amd64');
      await platformPush(reg, 'arm64', '3.1.0', 'candidate-31-arm64');
      const before = await tagsOf(reg);
      const proxy = await startProxy(reg, {
        faults: [{ method: 'HEAD', path: /\/manifests\/sha256:/, times: 100, delayMs: 30_000 }],
      });
      const args = [
        cliJs,
        'assemble',
        '--image',
        `${proxy.host}/${REPO}`,
        '--source',
        `${proxy.host}/${REPO}:candidate-31-amd64`,
        '--source',
        `${proxy.host}/${REPO}:candidate-31-arm64`,
        '--version',
        '3.1.0',
        '--platforms',
        BOTH,
      ];
      try {
        const child = spawn(process.execPath, args, { stdio: 'ignore' });
        const exited = new Promise<number | null>((r) =>
          child.on('close', (code, sig) => r(code ?? (sig ? -1 : null))),
        );
        const deadline = Date.now() + 60_000;
        while (!proxy.requests.some((q) => q.method === 'HEAD' && q.faulted) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        assert.ok(
          proxy.requests.some((q) => q.method === 'PUT' && /manifests\/sha256:/.test(q.path)),
          'the index was written',
        );
        child.kill('SIGKILL');
        await exited;
      } finally {
        await proxy.stop();
      }
      const after = await tagsOf(reg);
      assert.deepEqual(after, before);
      assert.equal(after.latest, old.digest);
      // The same assemble again, uninterrupted: it finishes, and latest moves forward.
      contentCache.clear();
      const again = await cli(...args.slice(1).map((a) => a.replace(/127\.0\.0\.1:\d+/, reg.host)));
      assert.equal(again.code, 0, again.stderr + again.stdout);
      assert.notEqual((await tagsOf(reg)).latest, old.digest);
    });
  });
});
