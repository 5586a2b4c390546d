import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { discoverImages } from '../../../src/core/config/discover';
import { runProcess } from '../../../src/core/process/run';

/** A monorepo: a root Dockerfile, apps/web, services/worker, a Dockerfile.debug, and Dockerfiles that are not its own. */
async function monorepo(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-monorepo-'));
  const files = [
    'Dockerfile',
    'Dockerfile.debug',
    'apps/web/Dockerfile',
    'services/worker/Containerfile',
    'node_modules/some-lib/Dockerfile',
    '.devcontainer/Dockerfile',
    'apps/web/README.md',
  ];
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'FROM scratch\n');
  }
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['remote', 'add', 'origin', 'https://github.com/Acme/Rocket.git'],
  ])
    await runProcess('git', args, { cwd: dir });
  return dir;
}

async function cli(dir: string, ...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    [...args, '--cwd', dir],
    { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: { PATH: process.env.PATH } },
    new AbortController().signal,
  );
  return { code, stdout, stderr };
}

describe("a monorepo's Dockerfiles offered as images", () => {
  it('finds them by folder and suffix, never in dependencies or hidden folders', async () => {
    const dir = await monorepo();
    assert.deepEqual(await discoverImages(dir, 'rocket'), [
      { name: 'rocket', dockerfile: 'Dockerfile', context: '.' },
      { name: 'debug', dockerfile: 'Dockerfile.debug', context: '.' },
      { name: 'web', dockerfile: 'apps/web/Dockerfile', context: 'apps/web' },
      { name: 'worker', dockerfile: 'services/worker/Containerfile', context: 'services/worker' },
    ]);
  });

  it('images --discover offers the ones no image builds; --write starts the "images" list, keeping the first', async () => {
    const dir = await monorepo();
    const listed = await cli(dir, 'images', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const one = JSON.parse(listed.stdout) as { images: Array<{ name: string; image: string; engines: object }> };
    assert.deepEqual(
      one.images.map((i) => [i.name, i.image]),
      [['image', 'ghcr.io/acme/rocket']],
    );
    const offered = await cli(dir, 'images', '--discover');
    assert.equal(offered.code, 0, offered.stderr);
    assert.match(offered.stdout, /Dockerfiles no image builds \(3\)/);
    assert.match(offered.stdout, /"image": "ghcr.io\/acme\/web"/);
    assert.match(offered.stdout, /\n {6}"name": "web",\n/, 'the entries as JSON on lines of their own');
    assert.throws(
      () => readFileSync(path.join(dir, 'release-operator.json')),
      /ENOENT/,
      'nothing written without --write',
    );

    writeFileSync(path.join(dir, 'release-operator.json'), JSON.stringify({ smoke: { port: 9000 } }));
    const w = await cli(dir, 'images', '--discover', '--write');
    assert.equal(w.code, 0, w.stderr);
    const file = JSON.parse(readFileSync(path.join(dir, 'release-operator.json'), 'utf8')) as {
      smoke: object;
      images: Array<{ name: string; image: string; dockerfile: string }>;
    };
    assert.deepEqual(file.smoke, { port: 9000 });
    assert.deepEqual(
      file.images.map((i) => [i.name, i.image, i.dockerfile]),
      [
        ['image', 'ghcr.io/acme/rocket', 'Dockerfile'],
        ['debug', 'ghcr.io/acme/debug', 'Dockerfile.debug'],
        ['web', 'ghcr.io/acme/web', 'apps/web/Dockerfile'],
        ['worker', 'ghcr.io/acme/worker', 'services/worker/Containerfile'],
      ],
    );
    // The file it wrote loads, and a second --write refuses to rewrite a list it did not start.
    const again = await cli(dir, 'images', '--json');
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { images: unknown[] }).images.length, 4);
    const twice = await cli(dir, 'images', '--discover', '--write');
    assert.equal(twice.code, 0, 'nothing left to offer is not an error');
    assert.match(twice.stdout, /Every Dockerfile found is built by a configured image/);
  });
});
