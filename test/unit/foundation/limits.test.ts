import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../../src/core/config/load';
import { leafFields } from '../../../src/core/config/schema';
import { ReleaseOperatorError } from '../../../src/core/errors';
import { DEFAULT_LIMITS, LIMITS, formatLimit, limitError, limitsFrom, type LimitSpec } from '../../../src/core/limits';
import { REPO_ROOT } from '../../helpers/paths';

describe('limits: one table, the settings, the docs', () => {
  const specs = Object.entries(LIMITS) as Array<[keyof typeof LIMITS, LimitSpec]>;

  it('every limit with a setting is a setting of the schema with the same default', () => {
    const fields = new Map(leafFields());
    for (const [name, spec] of specs) {
      if (!spec.setting) continue;
      const field = fields.get(spec.setting);
      assert.ok(field, `${name}: ${spec.setting} is not in the schema`);
      assert.equal((field as { default: unknown }).default, spec.default, `${name}: the defaults differ`);
    }
    assert.deepEqual(
      limitsFrom(defaultConfig()),
      DEFAULT_LIMITS,
      'the defaults of the config are the defaults of the table',
    );
  });

  it('docs/reliability.md lists every limit with its default and its setting (or says it is fixed)', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'reliability.md'), 'utf8');
    for (const [name, spec] of specs) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${spec.what} |`));
      assert.ok(row, `${name}: no row for "${spec.what}" in docs/reliability.md`);
      assert.ok(
        row.includes(`| ${formatLimit(spec.default, spec.unit)} |`),
        `${name}: the default is not ${formatLimit(spec.default, spec.unit)}: ${row}`,
      );
      assert.ok(row.includes(spec.setting ? `\`${spec.setting}\`` : 'fixed'), `${name}: ${row}`);
    }
  });

  it('a limit reached is an environment fault that names the limit, its value and how to raise it', () => {
    const e = limitError('listingPages', 1000, 'The tag list of r/o/n goes on');
    assert.ok(e instanceof ReleaseOperatorError);
    assert.equal(e.kind, 'environment');
    assert.equal(e.message, 'The tag list of r/o/n goes on: the limit of 1000 (limits.listingPages) was reached.');
    assert.match(e.hint ?? '', /raise it: "limits\.listingPages" in release-operator\.json/);
    assert.match(
      limitError('documentMegabytes', 16 * 2 ** 20, 'x').message,
      /the limit of 16 MiB \(limits\.documentMegabytes\)/,
    );
    assert.match(
      limitError('operationSeconds', 600_000, 'x').message,
      /the limit of 600 s \(limits\.operationSeconds\)/,
    );
    assert.match(limitError('manifestBytes', 4 * 2 ** 20, 'x').hint ?? '', /fixed/);
  });
});
