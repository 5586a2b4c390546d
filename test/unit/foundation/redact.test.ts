import assert from 'node:assert/strict';
import { createLogger } from '../../../src/core/log';
import { clearSecretsForTests, redact, registerSecret } from '../../../src/core/redact';

describe('redaction', () => {
  afterEach(clearSecretsForTests);
  it('hides registered secrets and their base64 form', () => {
    registerSecret('s3cret-value');
    const b64 = Buffer.from('s3cret-value').toString('base64');
    assert.equal(redact(`token=s3cret-value auth=${b64}`), 'token=*** auth=***');
  });
  it('hides well-known token shapes nobody registered', () => {
    const out = redact('ghp_' + 'a'.repeat(36) + ' and Authorization: Bearer abc.def.ghi-123456');
    assert.ok(!out.includes('ghp_aaaa'), out);
    assert.ok(!out.includes('abc.def.ghi-123456'), out);
  });
  it('the logger redacts and filters by level', () => {
    registerSecret('hunter2hunter2');
    const seen: string[] = [];
    const log = createLogger((level, m) => seen.push(`${level}:${m}`), 'info');
    log.debug('hidden');
    log.info('password hunter2hunter2');
    assert.deepEqual(seen, ['info:password ***']);
  });
});
