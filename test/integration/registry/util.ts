import assert from 'node:assert/strict';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { RegistryClient } from '../../../src/core/registry';
import type { TestRegistry } from '../../helpers/registry';

/** A client for a test registry: its credentials (or the given ones; null for anonymous), short backoff. */
export function clientFor(
  reg: TestRegistry,
  given?: { username: string; password: string } | null,
  options: { tagRanges?: boolean } = {},
): RegistryClient {
  const creds = given === null ? undefined : (given ?? reg.credentials);
  return new RegistryClient({
    ...options,
    // Any host: tests put proxies in front of the registry.
    credentials: async () => (creds ? { ...creds, source: 'test' } : undefined),
    retryBaseMs: 50,
    timeoutMs: 10_000,
  });
}

export async function rejectsWith(p: Promise<unknown>, kind: string, message: RegExp): Promise<ReleaseOperatorError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ReleaseOperatorError, `expected a ReleaseOperatorError, got ${String(e)}`);
    assert.equal(e.kind, kind, `kind of: ${e.message}`);
    assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a ${kind} error matching ${message}`);
}
