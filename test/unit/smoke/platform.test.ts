import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { binfmtState, parsePlatform, runsNatively, samePlatform } from '../../../src/core/container/platform';

describe('smoke: platforms', () => {
  it('parses os/arch[/variant] and rejects anything else as usage', () => {
    assert.deepEqual(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: undefined });
    assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.throws(
      () => parsePlatform('arm64'),
      (e: any) => e.kind === 'usage',
    );
  });

  it('matches image Os/Architecture against the platform asked for', () => {
    assert.equal(samePlatform(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' }), true);
    assert.equal(samePlatform(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'arm64' }), false);
    assert.equal(
      samePlatform(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v6' }),
      false,
    );
    assert.equal(
      samePlatform(parsePlatform('linux/arm64'), { os: 'linux', architecture: 'arm64', variant: 'v8' }),
      true,
    );
  });

  it('knows which platforms need an emulator', () => {
    assert.equal(runsNatively('amd64', parsePlatform('linux/amd64')), true);
    assert.equal(runsNatively('x86_64', parsePlatform('linux/386')), true);
    assert.equal(runsNatively('amd64', parsePlatform('linux/arm64')), false);
  });

  describe('binfmt', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'ro-binfmt-'));
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('reports an enabled handler with its interpreter', async () => {
      await writeFile(path.join(dir, 'status'), 'enabled\n');
      await writeFile(
        path.join(dir, 'qemu-aarch64'),
        'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\n',
      );
      assert.deepEqual(await binfmtState(parsePlatform('linux/arm64'), dir), {
        registered: true,
        interpreter: '/usr/libexec/qemu-binfmt/aarch64-binfmt-P',
      });
    });
    it('reports a disabled or missing handler, naming the file', async () => {
      await writeFile(path.join(dir, 'status'), 'enabled\n');
      await writeFile(path.join(dir, 'qemu-s390x'), 'disabled\ninterpreter /x\n');
      const disabled = await binfmtState(parsePlatform('linux/s390x'), dir);
      assert.equal(disabled.registered, false);
      const missing = await binfmtState(parsePlatform('linux/riscv64'), dir);
      assert.equal(missing.registered, false);
      assert.match((missing as { reason: string }).reason, /qemu-riscv64 does not exist/);
    });
    it('says unknown where binfmt_misc is not readable (a remote daemon)', async () => {
      const s = await binfmtState(parsePlatform('linux/arm64'), path.join(dir, 'absent'));
      assert.equal(s.registered, 'unknown');
    });
  });
});
