import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultConfig } from '../../../src/core/config/load';
import { expectedMovingTags, planRelease, tagPlan } from '../../../src/core/version/plan';
import { inferPrefix } from '../../../src/core/version/prefix';
import semver from '../../../src/core/version/semver';

const rules = { ...defaultConfig().tags, gitPrefix: '', imagePrefix: '' };
const RUNS = Number(process.env.RO_FUZZ_RUNS ?? 200);

describe('tag plan: latest and X never move backwards', () => {
  it('a backport 1.2.4 released after 1.3.0 moves 1.2 only, never 1 or latest', () => {
    const p = planRelease('1.2.4', 'abcdef0123456789', rules, ['1.2.3', '1.3.0']);
    assert.deepEqual(
      p.tags.map((t) => t.tag),
      ['1.2.4', '1.2', 'abcdef0'],
    );
    assert.deepEqual(
      p.held.map((h) => [h.tag, h.stays]),
      [
        ['1', '1.3.0'],
        ['latest', '1.3.0'],
      ],
    );
    assert.match(p.held[1].rule, /stays on 1\.3\.0/);
  });

  it('a backport in an older major moves X.Y and X of its own major, not latest', () => {
    assert.deepEqual(tagPlan('1.9.1', undefined, rules, ['1.9.0', '2.0.0']), [
      { tag: '1.9.1', kind: 'version', rule: 'this release' },
      { tag: '1.9', kind: 'minor', rule: 'newest 1.9.* release' },
      { tag: '1', kind: 'major', rule: 'newest 1.* release' },
    ]);
  });

  it('a prerelease moves nothing; a newer prerelease holds nothing back', () => {
    assert.deepEqual(
      planRelease('2.0.0-rc.1', 'abcdef0123', rules, ['1.3.0']).tags.map((t) => t.tag),
      ['2.0.0-rc.1', 'abcdef0'],
    );
    assert.deepEqual(
      tagPlan('1.3.1', undefined, rules, ['1.3.0', '2.0.0-rc.1']).map((t) => t.tag),
      ['1.3.1', '1.3', '1', 'latest'],
    );
  });

  it('re-releasing the newest version (or a newer one) moves everything', () => {
    assert.deepEqual(
      tagPlan('1.3.0', undefined, rules, ['1.3.0', '1.2.4']).map((t) => t.tag),
      ['1.3.0', '1.3', '1', 'latest'],
    );
  });

  // Release histories: versions in any order, prereleases among them.
  const version = fc
    .tuple(
      fc.nat({ max: 3 }),
      fc.nat({ max: 3 }),
      fc.nat({ max: 3 }),
      fc.option(fc.nat({ max: 2 }), { nil: undefined }),
    )
    .map(([a, b, c, rc]) => `${a}.${b}.${c}${rc === undefined ? '' : `-rc.${rc}`}`);
  const history = fc.array(version, { minLength: 1, maxLength: 12 });

  /** Where each moving tag points after releasing the versions in this order through the plan. */
  function replay(versions: string[]): Map<string, string> {
    const state = new Map<string, string>();
    const released: string[] = [];
    for (const v of versions) {
      for (const t of tagPlan(v, undefined, rules, released)) if (t.kind !== 'version') state.set(t.tag, v);
      released.push(v);
    }
    return state;
  }

  it('property: latest never points at a version lower than the newest stable release, whatever the order', () => {
    fc.assert(
      fc.property(history, (versions) => {
        const state = replay(versions);
        const stable = versions.filter((v) => semver.prerelease(v) === null).sort(semver.rcompare);
        if (!stable.length) return !state.has('latest');
        return state.get('latest') === stable[0];
      }),
      { numRuns: RUNS },
    );
  });

  it('property: releasing in any order leaves every moving tag where the scheme says (the plan agrees with verify)', () => {
    fc.assert(
      fc.property(history, (versions) => {
        const state = replay(versions);
        const expected = expectedMovingTags(versions, rules);
        assert.deepEqual(new Map([...state].sort()), new Map([...expected].sort()));
      }),
      { numRuns: RUNS },
    );
  });

  it('property: a release never moves a tag to a version lower than the one the tag held', () => {
    fc.assert(
      fc.property(history, (versions) => {
        const state = new Map<string, string>();
        const released: string[] = [];
        for (const v of versions) {
          for (const t of tagPlan(v, undefined, rules, released)) {
            if (t.kind === 'version') continue;
            const before = state.get(t.tag);
            if (before) assert.ok(semver.rcompare(before, v) >= 0, `${t.tag}: ${before} -> ${v}`);
            state.set(t.tag, v);
          }
          released.push(v);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('prefix inference: properties', () => {
  const prefix = fc.constantFrom('', 'v', 'app-v', 'release-', 'V');
  const versionText = fc
    .tuple(fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.nat({ max: 20 }))
    .map(([a, b, c]) => `${a}.${b}.${c}`);
  const noise = fc.constantFrom('latest', 'main', 'edge', 'sha-1a2b3c4', '1', '1.2', 'v2', 'nightly');

  it('property: a strict majority prefix is the one inferred, and the counts add up', () => {
    fc.assert(
      fc.property(
        prefix,
        prefix,
        fc.uniqueArray(versionText, { minLength: 1, maxLength: 15 }),
        fc.uniqueArray(versionText, { maxLength: 15 }),
        fc.array(noise, { maxLength: 6 }),
        (major, minor, many, few, other) => {
          fc.pre(major !== minor && few.length < many.length);
          const r = inferPrefix([...many.map((v) => major + v), ...few.map((v) => minor + v), ...other]);
          assert.equal(r.prefix, major);
          assert.equal(r.total, many.length + few.length);
          assert.equal(r.following, many.length);
          assert.equal(r.mixed, few.length > 0);
          assert.equal(r.ambiguous, few.length > 0 && many.length < 2 * few.length);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('property: the answer does not depend on the order the registry lists tags in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(prefix, versionText).map(([p, v]) => p + v),
          { maxLength: 20 },
        ),
        (list) => {
          const a = inferPrefix(list);
          const b = inferPrefix([...list].reverse());
          assert.deepEqual([a.prefix, a.following, a.total], [b.prefix, b.following, b.total]);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
