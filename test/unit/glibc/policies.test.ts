import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { POLICY_FACTS, policyFact, policyGlibc } from '../../../src/core/glibc/policy';
import { REPO_ROOT } from '../../helpers/paths';

describe('glibc policies: each with its glibc and where that number comes from', () => {
  it('knows the spellings people write', () => {
    assert.deepEqual(
      [
        'amazonlinux:2023',
        'al2',
        'fedora:40',
        'fc41',
        'rockylinux:8',
        'ol9',
        'ubuntu:18.04',
        'bionic',
        'stretch',
        'manylinux_2_34',
      ].map(policyGlibc),
      ['2.34', '2.26', '2.39', '2.40', '2.28', '2.34', '2.27', '2.27', '2.24', '2.34'],
    );
    assert.match(policyFact('manylinux_2_28')?.source ?? '', /PEP 600/);
    assert.equal(policyGlibc('windows-95'), undefined);
  });

  it('every policy has a source, and docs/glibc.md lists each with its glibc', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'glibc.md'), 'utf8');
    for (const [name, fact] of Object.entries(POLICY_FACTS)) {
      assert.ok(fact.source.length > 10, name);
      assert.ok(
        doc.includes(`| \`${name}\` | ${fact.glibc} |`),
        `docs/glibc.md has no row for ${name} (${fact.glibc})`,
      );
    }
  });
});
