import assert from 'node:assert/strict';
import { runProcess } from '../../src/core/process/run';

describe('test bed', () => {
  it('runs an arm64 binary under QEMU', async () => {
    const r = await runProcess('/var/cache/release-operator/foreign/busybox-static_arm64/bin/busybox', ['uname', '-m']);
    assert.equal(r.stdout.trim(), 'aarch64');
  });
  it('has a registry on loopback', async () => {
    const res = await fetch(`http://${process.env.RO_TESTBED_REGISTRY ?? '127.0.0.1:5000'}/v2/`);
    assert.equal(res.status, 200);
  });
});
