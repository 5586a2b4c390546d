import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultConfig } from '../../../src/core/config/load';
import { describeBasis } from '../../../src/core/report/text';
import { compareImageTags, movingTagOf, sortImageTags, versionOfImageTag } from '../../../src/core/version/order';
import { inferPrefix, splitVersionTag } from '../../../src/core/version/prefix';
import { escapeRegExp } from '../../../src/core/version/regexp';
import semver from '../../../src/core/version/semver';
import { resolveScheme } from '../../../src/core/version/scheme';

const tags = defaultConfig().tags;

describe('tag prefixes: inferred from the tags, configuration wins, and said', () => {
  it('splits version-shaped tags into prefix and version; moving tags and other names are not version-shaped', () => {
    assert.deepEqual(splitVersionTag('v1.2.3'), { prefix: 'v', version: '1.2.3' });
    assert.deepEqual(splitVersionTag('1.2.3'), { prefix: '', version: '1.2.3' });
    assert.deepEqual(splitVersionTag('app-v1.2.3-rc.1'), { prefix: 'app-v', version: '1.2.3-rc.1' });
    assert.deepEqual(splitVersionTag('py3-v10.0.0+build.7'), { prefix: 'py3-v', version: '10.0.0' });
    for (const t of ['v1.2', '1', 'latest', 'main', 'sha-1a2b3c4', '01.2.3', 'v1.2.3.4', '2024.01.05'])
      assert.equal(splitVersionTag(t), undefined, t);
  });

  it('takes the prefix most version tags follow, with the count', () => {
    const r = inferPrefix(['1.2.3', '1.2.2', '1.2', '1', 'latest', 'main', 'v0.1.0']);
    assert.equal(r.prefix, '');
    assert.deepEqual([r.following, r.total, r.mixed, r.ambiguous], [2, 3, true, false]);
    assert.deepEqual(
      r.schemes.map((s) => [s.prefix, s.count, s.examples]),
      [
        ['', 2, ['1.2.3', '1.2.2']],
        ['v', 1, ['v0.1.0']],
      ],
    );
    assert.equal(inferPrefix(['app-v1.0.0', 'app-v1.1.0', 'latest']).prefix, 'app-v');
    assert.equal(inferPrefix(['main', 'edge']).prefix, undefined);
    assert.deepEqual(
      [inferPrefix(['v1.0.0', '1.0.0']).ambiguous, inferPrefix(['v1.0.0', '1.0.0']).prefix],
      [true, 'v'],
      'a tie is ambiguous; "v" is taken (the old default) and the finding says so',
    );
  });

  it('configured wins; else inferred (git tags for git, image tags for the image); else the default, each said', () => {
    const s = resolveScheme(tags, { gitTags: ['v1.0.0', 'v1.1.0', 'notes'], imageTags: ['1.0.0', '1.1.0', 'latest'] });
    assert.deepEqual([s.gitPrefix, s.imagePrefix], ['v', '']);
    assert.deepEqual(s.basis.map(describeBasis), [
      'git tags: prefix "v", inferred from 2 of 2 version tags',
      'image tags: no prefix, inferred from 2 of 2 version tags',
    ]);
    const configured = resolveScheme({ ...tags, imagePrefix: 'v' }, { imageTags: ['1.0.0'] });
    assert.equal(configured.imagePrefix, 'v');
    assert.equal(describeBasis(configured.basis[0]), 'image tags: prefix "v", configured (tags.imagePrefix)');
    const empty = resolveScheme({ ...tags, imagePrefix: '' }, { imageTags: ['v1.0.0'] });
    assert.equal(empty.imagePrefix, '', 'an empty configured prefix is configured, not unset');
    const none = resolveScheme(tags, { imageTags: ['main'] });
    assert.equal(describeBasis(none.basis[0]), 'image tags: prefix "v", by default (no version tags among 1 tag)');
    const unread = resolveScheme(tags, { imageTagsUnread: 'not read (registry down)' });
    assert.equal(
      describeBasis(unread.basis[0]),
      'image tags: prefix "v", by default (image tags not read (registry down))',
    );
    assert.deepEqual(unread.findings, []);
  });

  it('old configuration files keep working: "v" set in the file is configured', () => {
    const s = resolveScheme(
      { ...tags, gitPrefix: 'v', imagePrefix: 'v' },
      { gitTags: ['1.0.0'], imageTags: ['1.0.0'] },
    );
    assert.deepEqual([s.gitPrefix, s.imagePrefix], ['v', 'v']);
    assert.ok(s.basis.every((b) => b.source === 'configured'));
    assert.deepEqual(s.findings, []);
  });
});

describe('image tags: one order, one regex escape', () => {
  it('orders latest, moving tags newest first, versions newest first, then the rest by code point', () => {
    const all = ['main', 'v1.2.3', 'v1', 'latest', 'v1.10.0', 'v2', 'v1.2', 'abc1234', 'v1.10', 'v1.10.0-rc.1', 'Zeta'];
    assert.deepEqual(sortImageTags(all, 'v'), [
      'latest',
      'v2',
      'v1',
      'v1.10',
      'v1.2',
      'v1.10.0',
      'v1.10.0-rc.1',
      'v1.2.3',
      'Zeta',
      'abc1234',
      'main',
    ]);
    assert.deepEqual(sortImageTags(['1.2', '1.2.3', 'latest', '1'], ''), ['latest', '1', '1.2', '1.2.3']);
    assert.equal(compareImageTags('v')('x', 'x'), 0);
  });

  it("any set of tags: each scheme's examples are its three newest, as sorting them all would give (ties in the order seen)", () => {
    const version = fc
      .tuple(
        fc.constantFrom('', 'v', 'app-'),
        fc.nat(3),
        fc.nat(5),
        fc.nat(5),
        fc.option(fc.nat(2)),
        fc.option(fc.nat(2)),
      )
      .map(
        ([p, a, b, c, rc, build]) =>
          `${p}${a}.${b}.${c}${rc === null ? '' : `-rc.${rc}`}${build === null ? '' : `+b${build}`}`,
      );
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(version, fc.constant('latest')), { maxLength: 200 }), (tags) => {
        for (const s of inferPrefix(tags).schemes) {
          const own = tags.filter((t) => splitVersionTag(t)?.prefix === s.prefix);
          const reference = own
            .map((t) => ({ t, v: semver.parse(splitVersionTag(t)!.version)! }))
            .sort((a, b) => semver.rcompare(a.v, b.v))
            .slice(0, 3)
            .map((e) => e.t);
          assert.deepEqual(s.examples, reference, s.prefix);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any set of tags, in any order given: one order, by the rules, pair by pair (the comparer remembers each tag)', () => {
    const tag = fc.oneof(
      fc.constant('latest'),
      fc
        .tuple(fc.constantFrom('', 'v'), fc.nat(12), fc.option(fc.nat(12)))
        .map(([p, a, b]) => `${p}${a}${b === null ? '' : `.${b}`}`),
      fc
        .tuple(fc.constantFrom('', 'v'), fc.nat(3), fc.nat(12), fc.nat(12), fc.option(fc.nat(3)), fc.option(fc.nat(3)))
        .map(
          ([p, a, b, c, rc, build]) =>
            `${p}${a}.${b}.${c}${rc === null ? '' : `-rc.${rc}`}${build === null ? '' : `+b${build}`}`,
        ),
      fc.string({ unit: fc.constantFrom(...'abcXYZ019.-_'.split('')), minLength: 1, maxLength: 8 }),
    );
    const group = (t: string, p: string) =>
      t === 'latest' ? 0 : movingTagOf(t, p) ? 1 : versionOfImageTag(t, p) ? 2 : 3;
    fc.assert(
      fc.property(fc.uniqueArray(tag, { maxLength: 300 }), fc.constantFrom('', 'v'), (tags, p) => {
        const sorted = sortImageTags(tags, p);
        assert.deepEqual(sortImageTags([...tags].reverse(), p), sorted, 'the same whatever order they came in');
        for (let i = 1; i < sorted.length; i++) {
          const [a, b] = [sorted[i - 1], sorted[i]];
          const [ga, gb] = [group(a, p), group(b, p)];
          assert.ok(ga <= gb, `${a} before ${b}`);
          if (ga !== gb) continue;
          if (ga === 2) {
            const d = semver.rcompare(versionOfImageTag(a, p)!, versionOfImageTag(b, p)!);
            assert.ok(d < 0 || (d === 0 && a < b), `versions newest first: ${a}, ${b}`);
          }
          if (ga === 3) assert.ok(a < b, `other tags by code point: ${a}, ${b}`);
          if (ga === 1) {
            const [x, y] = [movingTagOf(a, p)!, movingTagOf(b, p)!];
            assert.ok(
              x.major! > y.major! || (x.major === y.major && (x.minor ?? Infinity) >= (y.minor ?? Infinity)),
              `${a}, ${b}`,
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('any two versions: the comparer of parsed versions orders them as semver.rcompare does', () => {
    // Numbers past what a regex-free compare might get wrong (multi-digit, zero), prereleases of numbers and words
    // (numbers sort before words, a shorter run of equal identifiers first), and build metadata (ignored by both).
    const id = fc.oneof(fc.nat(1000).map(String), fc.stringMatching(/^[a-z][a-z0-9-]{0,4}$/));
    const version = fc
      .tuple(
        fc.nat(20),
        fc.nat(20),
        fc.nat(20),
        fc.option(fc.array(id, { minLength: 1, maxLength: 3 })),
        fc.option(fc.stringMatching(/^[a-z0-9]{1,4}$/)),
      )
      .map(([a, b, c, pre, build]) => `${a}.${b}.${c}${pre ? `-${pre.join('.')}` : ''}${build ? `+${build}` : ''}`);
    fc.assert(
      fc.property(version, version, (a, b) => {
        const expected = semver.rcompare(a, b);
        assert.equal(semver.rcompareParsed(semver.parse(a)!, semver.parse(b)!), expected, `${a} vs ${b}`);
      }),
      { numRuns: 2000 },
    );
    // Two the generator may seldom pair: equal but for build metadata, and a release against its own prerelease.
    assert.equal(semver.rcompareParsed(semver.parse('1.2.3+a')!, semver.parse('1.2.3+b')!), 0);
    assert.equal(semver.rcompareParsed(semver.parse('1.2.3')!, semver.parse('1.2.3-rc.1')!), -1);
    assert.equal(semver.rcompareParsed(semver.parse('1.2.3-rc.1')!, semver.parse('1.2.3')!), 1);
    assert.equal(semver.rcompareParsed(semver.parse('1.10.0')!, semver.parse('1.9.0')!), -1);
  });

  it('reads versions and moving tags under a prefix, escaping it', () => {
    assert.equal(versionOfImageTag('v1.2.3', 'v'), '1.2.3');
    assert.equal(versionOfImageTag('v1.2', 'v'), undefined);
    assert.deepEqual(movingTagOf('app.v1.2', 'app.v'), { major: 1, minor: 2 });
    assert.equal(movingTagOf('appXv1.2', 'app.v'), undefined, 'the dot in the prefix is a dot');
    assert.equal(escapeRegExp('a.b*c(d)[e]{f}|g^h$i\\'), 'a\\.b\\*c\\(d\\)\\[e\\]\\{f\\}\\|g\\^h\\$i\\\\');
  });
});
