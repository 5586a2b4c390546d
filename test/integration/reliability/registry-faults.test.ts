import assert from 'node:assert/strict';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { defaultConfig } from '../../../src/core/config/load';
import { RegistryClient, registryState, rollback } from '../../../src/core/registry';
import { contentCache } from '../../../src/core/registry/cache';
import { recordFigure } from '../../helpers/figures';
import {
  pushImage,
  pushIndex,
  startProxy,
  tagManifest,
  useRegistry,
  type FaultRule,
  type PushedManifest,
  type TestProxy,
  type TestRegistry,
} from '../../helpers/registry';

/**
 * Every fault the proxy can inject, in front of a real token-auth registry (the ghcr.io flow), on the request
 * that proves a platform (the arm64 child manifest of an index). Once: the engine retries and reports exactly
 * the pushed platforms and digests. Always: it gives up after its retries with an environment error, and no
 * platform, digest or tag reaches the caller (status shows none either).
 */
const RETRIES = 2;
const TIMEOUT_MS = 600;

function client(reg: TestRegistry): RegistryClient {
  const creds = reg.credentials!;
  return new RegistryClient({
    credentials: async () => ({ ...creds, source: 'test' }),
    retries: RETRIES,
    retryBaseMs: 20,
    timeoutMs: TIMEOUT_MS,
  });
}

const FAULTS: Record<string, { rule: Omit<FaultRule, 'path'>; transient: boolean; message: RegExp }> = {
  'connection reset': { rule: { drop: 'reset' }, transient: true, message: /could not be reached/ },
  // It answered, then broke off: said as an answer cut short, never as "could not be reached".
  'response cut halfway': {
    rule: { drop: 'truncate' },
    transient: true,
    message: /answered GET .*, but the body was cut short/,
  },
  'slow past the timeout': {
    rule: { delayMs: TIMEOUT_MS * 3 },
    transient: true,
    message: /did not answer GET .*: no answer from .* within 1 s \(3 attempts\)/,
  },
  'HTTP 500': { rule: { respond: { status: 500 } }, transient: true, message: /HTTP 500/ },
  'HTTP 502': { rule: { respond: { status: 502 } }, transient: true, message: /HTTP 502/ },
  'HTTP 503': { rule: { respond: { status: 503 } }, transient: true, message: /HTTP 503/ },
  '429 with Retry-After': {
    rule: { respond: { status: 429, headers: { 'retry-after': '1' } } },
    transient: true,
    message: /HTTP 429/,
  },
  'body whose digest does not match': {
    rule: { rewriteBody: (b) => Buffer.concat([b, Buffer.from(' ')]) },
    transient: false,
    message: /Digest mismatch/,
  },
};

describe('reliability: registry faults (real registry behind the fault proxy)', function () {
  this.timeout(120_000);
  const reg = useRegistry('token');
  const repo = 'acme/faulty';
  let amd: PushedManifest;
  let arm: PushedManifest;
  let index: PushedManifest;
  const proxies: TestProxy[] = [];
  let survived = 0;
  let injected = 0;
  after(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    recordFigure('fault', 'registry', { injected, survived });
  });
  beforeEach(() => contentCache.clear());

  before(async () => {
    amd = await pushImage(reg(), repo, { platform: 'linux/amd64', labels: { v: '1' } });
    arm = await pushImage(reg(), repo, { platform: 'linux/arm64', labels: { v: '1' } });
    index = await pushIndex(reg(), repo, [amd, arm], { tag: 'v1.0.0', attestations: true });
  });

  async function proxy(faults: FaultRule[]): Promise<TestProxy> {
    const p = await startProxy(reg(), { faults });
    proxies.push(p);
    return p;
  }
  const armPath = () => new RegExp(`/manifests/${arm.digest}$`);

  for (const [name, f] of Object.entries(FAULTS)) {
    if (f.transient) {
      it(`${name} once: retried, and the verified platforms come back`, async () => {
        const p = await proxy([{ ...f.rule, method: 'GET', path: armPath(), times: 1 }]);
        const info = await client(reg()).inspect(`${p.host}/${repo}:v1.0.0`);
        injected++;
        assert.equal(info.digest, index.digest);
        assert.deepEqual(
          info.platforms.map((x) => [x.platform, x.digest]),
          [
            ['linux/amd64', amd.digest],
            ['linux/arm64', arm.digest],
          ],
        );
        const hits = p.requests.filter((r) => armPath().test(r.path));
        assert.deepEqual(
          hits.map((h) => h.faulted),
          [true, false],
          'one faulted attempt, then one clean retry',
        );
        survived++;
      });
    }

    it(`${name} every time: gives up after ${RETRIES} retries with an environment error and reports no platform`, async () => {
      const p = await proxy([{ ...f.rule, method: 'GET', path: armPath(), times: 99 }]);
      let info: unknown;
      let error: unknown;
      try {
        info = await client(reg()).inspect(`${p.host}/${repo}:v1.0.0`);
      } catch (e) {
        error = e;
      }
      injected++;
      assert.equal(info, undefined, 'an unverified platform list was returned');
      assert.ok(error instanceof ReleaseOperatorError, `not a ReleaseOperatorError: ${String(error)}`);
      assert.equal(error.kind, 'environment', error.message);
      assert.match(error.message, f.message);
      assert.ok(error.hint, 'the error says what to do');
      const attempts = p.requests.filter((r) => armPath().test(r.path)).length;
      assert.equal(attempts, f.transient ? RETRIES + 1 : 1, 'retries are bounded (and a lying body is not retried)');

      survived++;
    });

    it(`${name} every time on the tag itself: status shows no tag, and says why`, async () => {
      // Status reads platforms from the index without the children, so the fault goes on the index by tag.
      const p = await proxy([{ ...f.rule, method: 'GET', path: /\/manifests\/v1\.0\.0$/, times: 99 }]);
      injected++;
      const state = await registryState(`${p.host}/${repo}`, defaultConfig(), client(reg()));
      assert.deepEqual(state.tags, [], 'status must not show a tag it could not verify');
      assert.match(state.error ?? '', f.message);
      survived++;
    });
  }

  it('a child manifest swapped for another valid one (announced digest recomputed) is still refused', async () => {
    // The proxy serves amd64's bytes where arm64's were asked for, with a matching Docker-Content-Digest.
    const p = await proxy([
      { method: 'GET', path: armPath(), times: 99, rewriteBody: () => amd.bytes, recomputeDigest: true },
    ]);
    injected++;
    await assert.rejects(
      client(reg()).inspect(`${p.host}/${repo}:v1.0.0`),
      (e: Error) => e instanceof ReleaseOperatorError && /Digest mismatch .*asked for/.test(e.message),
    );
    survived++;
  });

  describe('rollback under faults', () => {
    let v1: PushedManifest;
    let v2: PushedManifest;
    const rollRepo = 'acme/rollfaults';
    const direct = () => client(reg());
    const latestNow = async () => (await direct().headManifest(`${reg().host}/${rollRepo}:latest`))?.digest;

    beforeEach(async () => {
      v1 ??= await pushImage(reg(), rollRepo, { platform: 'linux/amd64', labels: { v: '1' }, tag: 'v1' });
      v2 ??= await pushImage(reg(), rollRepo, { platform: 'linux/amd64', labels: { v: '2' }, tag: 'v2' });
      await tagManifest(reg(), rollRepo, 'latest', v2);
    });

    it('a PUT that keeps failing leaves latest where it was, and the error says so', async () => {
      const p = await proxy([{ method: 'PUT', path: /\/manifests\/latest$/, times: 99, respond: { status: 500 } }]);
      injected++;
      const e = await rollback(direct(), `${p.host}/${rollRepo}`, { source: 'v1' }).then(
        () => assert.fail('the rollback reported success'),
        (x: unknown) => x as ReleaseOperatorError,
      );
      assert.ok(e instanceof ReleaseOperatorError);
      assert.equal(e.kind, 'environment');
      assert.match(e.message, new RegExp(`still points at ${v2.digest}, as before: nothing changed`));
      assert.equal(await latestNow(), v2.digest);
      assert.equal(p.requests.filter((r) => r.method === 'PUT').length, RETRIES + 1);
      survived++;
    });

    it('a PUT that times out but lands: retried, read back, and reported as applied', async () => {
      // The proxy holds the first PUT past the client's timeout, then forwards it anyway.
      const p = await proxy([{ method: 'PUT', path: /\/manifests\/latest$/, times: 1, delayMs: TIMEOUT_MS * 2 }]);
      injected++;
      const result = await rollback(direct(), `${p.host}/${rollRepo}`, { source: 'v1' });
      assert.equal(result.applied, true);
      assert.equal(result.from, v2.digest);
      assert.equal(result.to, v1.digest);
      assert.equal(await latestNow(), v1.digest);
      survived++;
    });

    it('a PUT that always times out but lands: the error says the rollback landed', async () => {
      const p = await proxy([{ method: 'PUT', path: /\/manifests\/latest$/, times: 99, delayMs: TIMEOUT_MS * 2 }]);
      injected++;
      const e = await rollback(direct(), `${p.host}/${rollRepo}`, { source: 'v1' }).then(
        () => assert.fail('the rollback reported success'),
        (x: unknown) => x as ReleaseOperatorError,
      );
      assert.ok(e instanceof ReleaseOperatorError, String(e));
      assert.match(e.message, /did not answer PUT .* within 1 s/);
      // The delayed PUTs reach the registry after the client gave up; the read-back happens after the last one.
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 2 + 200));
      const now = await latestNow();
      assert.equal(now, v1.digest, 'the registry applied the PUT');
      assert.match(
        e.message,
        new RegExp(`the rollback landed|still points at|could not be read`),
        'the error names where latest points',
      );
      survived++;
    });

    it('a registry that answers 201 without storing anything: the read-back catches it', async () => {
      const p = await proxy([{ method: 'PUT', path: /\/manifests\/latest$/, times: 99, respond: { status: 201 } }]);
      injected++;
      await assert.rejects(rollback(direct(), `${p.host}/${rollRepo}`, { source: 'v1' }), (e: Error) => {
        assert.ok(e instanceof ReleaseOperatorError);
        assert.equal(e.kind, 'check');
        assert.match(e.message, new RegExp(`latest points at ${v2.digest} after the rollback, not ${v1.digest}`));
        return true;
      });
      assert.equal(await latestNow(), v2.digest);
      survived++;
    });
  });
});
