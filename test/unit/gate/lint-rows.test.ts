import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import type { ReleaseOperatorConfig } from '../../../src/core/config/schema';
import { imageDockerfileLintRow, repositoryLintRow } from '../../../src/core/gate/checks/lint';
import { stageContext } from '../../../src/core/gate/guard';
import { PUSH_FIRST_WORKFLOW } from '../../helpers/workflows';

/** A workflow that pushes before anything tested the image (RO-W001); the Dockerfile below has no USER. */
const WORKFLOW = PUSH_FIRST_WORKFLOW;
const DOCKERFILE = 'FROM scratch\nCOPY app /app\nENTRYPOINT ["/app"]\n';

describe('gate: lint rows of several images (the workflows once, each Dockerfile in its image)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ro-lint-rows-'));
    mkdirSync(path.join(root, 'worker'));
    writeFileSync(path.join(root, 'Dockerfile'), DOCKERFILE);
    writeFileSync(path.join(root, 'worker', 'Dockerfile'), DOCKERFILE);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = async <T>(config: ReleaseOperatorConfig, f: (ctx: ReturnType<typeof stageContext>) => Promise<T>) => {
    const ctx = stageContext(
      { config, runner: () => Promise.reject(new Error('no programs')), registry: undefined as never },
      60,
    );
    try {
      return await f(ctx);
    } finally {
      ctx.dispose();
    }
  };
  const withDockerfile = (dockerfile: string) => {
    const c = defaultConfig();
    c.smoke.dockerfile = dockerfile;
    return c;
  };

  it("the repository row lints the workflows and leaves the images' Dockerfiles to their rows", async () => {
    mkdirSync(path.join(root, '.github', 'workflows'), { recursive: true });
    writeFileSync(path.join(root, '.github', 'workflows', 'release.yml'), WORKFLOW);
    writeFileSync(path.join(root, 'Dockerfile.debug'), DOCKERFILE);
    const repo = await run(defaultConfig(), (ctx) =>
      repositoryLintRow({ root }, ctx, ['Dockerfile', 'worker/Dockerfile']),
    );
    assert.deepEqual(repo.evidence?.files, ['Dockerfile.debug', '.github/workflows/release.yml']);
    assert.ok(repo.findings.some((f) => f.rule === 'RO-W001'));
    assert.ok(
      !repo.findings.some((f) => f.location?.file === 'Dockerfile' || f.location?.file === 'worker/Dockerfile'),
    );
    assert.match(repo.summary, /the images' Dockerfiles \(Dockerfile, worker\/Dockerfile\) are rows of their own/);

    const worker = await run(withDockerfile('worker/Dockerfile'), (ctx) => imageDockerfileLintRow({ root }, ctx));
    assert.deepEqual([worker.title, worker.subject], ['Dockerfile lint', 'worker/Dockerfile']);
    assert.deepEqual(worker.evidence?.files, ['worker/Dockerfile']);
    assert.ok(!worker.findings.some((f) => f.rule === 'RO-W001'), 'the workflow findings are not repeated');
  });

  it('no workflow: the repository row is advisory while an image Dockerfile exists, blocking when none does', async () => {
    const repo = await run(defaultConfig(), (ctx) => repositoryLintRow({ root }, ctx, ['Dockerfile']));
    assert.deepEqual([repo.verdict, repo.advisory], ['nothing-checked', true]);
    const none = await run(defaultConfig(), (ctx) => repositoryLintRow({ root }, ctx, ['nowhere/Dockerfile']));
    // Dockerfile at the root is then the repository's own: linted here.
    assert.equal(none.verdict === 'nothing-checked', false);
    rmSync(path.join(root, 'Dockerfile'));
    rmSync(path.join(root, 'worker'), { recursive: true });
    const empty = await run(defaultConfig(), (ctx) => repositoryLintRow({ root }, ctx, ['nowhere/Dockerfile']));
    assert.equal(empty.verdict, 'nothing-checked');
    assert.notEqual(empty.advisory, true);
  });

  it('an image whose Dockerfile is not in the repository: an advisory row that says where it looked', async () => {
    const row = await run(withDockerfile('build/app.Dockerfile'), (ctx) => imageDockerfileLintRow({ root }, ctx));
    assert.deepEqual([row.verdict, row.advisory, row.subject], ['nothing-checked', true, 'build/app.Dockerfile']);
    assert.match(row.summary, /build\/app\.Dockerfile \(no such file\)/);
  });
});
