// The monorepo the VS Code tests open for several images (monorepo.test.ts and ui/image-offer.mjs): a git
// repository (acme/mono, 1.2.3, tag v1.2.3) with apps/extension-rocket/Dockerfile and apps/worker/Dockerfile and no
// root Dockerfile, whose release-operator.json names the fixture's image but no "images" list: its Dockerfiles are
// what the first-run offer finds. Offered next to the configured image, extension-rocket is the fixture's image
// (real tags, runnable) and worker a repository with no tags.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function makeMonorepo(dir, fixture) {
  rmSync(dir, { recursive: true, force: true });
  const write = (f, text) => {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  };
  const own = JSON.parse(readFileSync(path.join(fixture.workspace, 'release-operator.json'), 'utf8'));
  write('package.json', JSON.stringify({ name: 'mono', version: '1.2.3' }, null, 2) + '\n');
  for (const app of ['extension-rocket', 'worker'])
    write(`apps/${app}/Dockerfile`, `FROM scratch\nCOPY ${app} /${app}\nENTRYPOINT ["/${app}"]\n`);
  write(
    'release-operator.json',
    JSON.stringify(
      { image: fixture.image, dockerPath: own.dockerPath, requiredPlatforms: ['linux/amd64'], smoke: own.smoke },
      null,
      2,
    ) + '\n',
  );
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['remote', 'add', 'origin', 'https://github.com/acme/mono.git'],
    ['add', '-A'],
    ['-c', 'user.email=t@example.com', '-c', 'user.name=Tests', 'commit', '-q', '-m', 'mono 1.2.3'],
    ['tag', 'v1.2.3'],
  ]) {
    const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args[0]}: ${r.stderr}`);
  }
  return dir;
}
