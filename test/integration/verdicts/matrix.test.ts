/**
 * THE VERDICT MATRIX. Every release check's verdict in every release scenario, against a real registry started
 * here (distribution 2.8) and real git repositories, through the CLI as a user runs it (`verify REF --json`,
 * `audit --image REPO --json`; no release-operator.json, so every tag prefix is inferred).
 *
 * A new check cannot land without its row: add its column to VERIFY_CHECKS or AUDIT_CHECKS (the suite fails
 * when a command reports a check the matrix does not know), and its expected verdict to every scenario below.
 * A new scenario is a new row with the verdict of every check.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../../src/cli/main';
import { contentCache } from '../../../src/core/registry/cache';
import { runProcess } from '../../../src/core/process/run';
import type { Verdict } from '../../../src/core/report/model';
import { ARTIFACTS } from '../../helpers/paths';
import { pushImage, pushIndex, tagManifest, useRegistry, type PushedManifest } from '../../helpers/registry';

const VERIFY_CHECKS = ['platforms', 'tag-scheme', 'labels'] as const;
const AUDIT_CHECKS = ['release-consistency', 'platforms', 'labels', 'tag-scheme'] as const;

type V = Exclude<Verdict, 'environment'>;
type VerifyRow = Record<(typeof VERIFY_CHECKS)[number], V> & { exit: number };
type AuditRow = Record<(typeof AUDIT_CHECKS)[number], V> & { exit: number };

interface ImageSpec {
  /** Version tags of one image (an index of amd64 + arm64 with attestations, unless said otherwise). */
  tags: string[];
  /** The version label. */
  version: string;
  /** The git tag whose commit the revision label names; its commit tag (7 hex) is pushed too. */
  of?: string;
  platforms?: string[];
  /** 'no-revision': the revision label is missing. */
  labels?: 'ok' | 'no-revision';
  /** An index of attestation manifests only: the push lost every platform image. */
  attestationsOnly?: boolean;
}

interface Scenario {
  name: string;
  /** Version git tags, one commit each, in this order. */
  git: string[];
  images: ImageSpec[];
  /** Moving tags and what they point at: [tag, the tag whose manifest it has]. */
  point?: Array<[string, string]>;
  /** Tags that are not versions (one image for all of them). */
  other?: string[];
  /** The tag `verify` checks; absent: nothing to verify. */
  verify?: string;
  expect: { verify?: VerifyRow; audit: AuditRow };
}

const P = 'pass' as const;
const X = 'problem' as const;
const N = 'nothing-checked' as const;
const ok3 = { platforms: P, 'tag-scheme': P, labels: P, exit: 0 };
const ok4 = { 'release-consistency': P, platforms: P, labels: P, 'tag-scheme': P, exit: 0 };
const movingOf = (prefix: string, minor: string, latest: string): Array<[string, string]> => [
  [`${prefix}${minor.split('.').slice(0, 2).join('.')}`, `${prefix}${minor}`],
  [`${prefix}${latest.split('.')[0]}`, `${prefix}${latest}`],
  ['latest', `${prefix}${latest}`],
];

const SCENARIOS: Scenario[] = [
  {
    name: 'prefix "v" everywhere',
    git: ['v1.0.0', 'v1.1.0'],
    images: [
      { tags: ['v1.0.0'], version: '1.0.0', of: 'v1.0.0' },
      { tags: ['v1.1.0'], version: '1.1.0', of: 'v1.1.0' },
    ],
    point: [['v1.0', 'v1.0.0'], ...movingOf('v', '1.1.0', '1.1.0')],
    verify: 'v1.1.0',
    expect: { verify: ok3, audit: ok4 },
  },
  {
    name: 'no prefix in the registry, "v" in git (no false half release)',
    git: ['v1.0.0', 'v1.1.0'],
    images: [
      { tags: ['1.0.0'], version: '1.0.0', of: 'v1.0.0' },
      { tags: ['1.1.0'], version: '1.1.0', of: 'v1.1.0' },
    ],
    point: [['1.0', '1.0.0'], ...movingOf('', '1.1.0', '1.1.0')],
    verify: '1.1.0',
    expect: { verify: ok3, audit: ok4 },
  },
  {
    name: 'a custom prefix (app-v)',
    git: ['app-v1.0.0', 'app-v1.1.0'],
    images: [
      { tags: ['app-v1.0.0'], version: '1.0.0', of: 'app-v1.0.0' },
      { tags: ['app-v1.1.0'], version: '1.1.0', of: 'app-v1.1.0' },
    ],
    point: [['app-v1.0', 'app-v1.0.0'], ...movingOf('app-v', '1.1.0', '1.1.0')],
    verify: 'app-v1.1.0',
    expect: { verify: ok3, audit: ok4 },
  },
  {
    name: 'mixed prefixes: both v1.2.3 and 1.2.3, no majority (a finding of its own)',
    git: ['v1.0.0', 'v1.1.0'],
    images: [
      { tags: ['v1.0.0', '1.0.0'], version: '1.0.0', of: 'v1.0.0' },
      { tags: ['v1.1.0', '1.1.0'], version: '1.1.0', of: 'v1.1.0' },
    ],
    point: [['v1.0', 'v1.0.0'], ['1.0', '1.0.0'], ['1.1', '1.1.0'], ['1', '1.1.0'], ...movingOf('v', '1.1.0', '1.1.0')],
    verify: 'v1.1.0',
    expect: {
      verify: { platforms: P, 'tag-scheme': X, labels: P, exit: 1 },
      audit: { 'release-consistency': X, platforms: P, labels: P, 'tag-scheme': P, exit: 1 },
    },
  },
  {
    name: 'backport: 1.2.4 released after 1.3.0 moved 1.2 only',
    git: ['v1.2.3', 'v1.3.0', 'v1.2.4'],
    images: [
      { tags: ['1.2.3'], version: '1.2.3', of: 'v1.2.3' },
      { tags: ['1.3.0'], version: '1.3.0', of: 'v1.3.0' },
      { tags: ['1.2.4'], version: '1.2.4', of: 'v1.2.4' },
    ],
    point: [['1.2', '1.2.4'], ...movingOf('', '1.3.0', '1.3.0')],
    verify: '1.2.4',
    expect: { verify: ok3, audit: ok4 },
  },
  {
    name: 'prerelease: 1.1.0-rc.1 moved nothing',
    git: ['v1.0.0', 'v1.1.0-rc.1'],
    images: [
      { tags: ['1.0.0'], version: '1.0.0', of: 'v1.0.0' },
      { tags: ['1.1.0-rc.1'], version: '1.1.0-rc.1', of: 'v1.1.0-rc.1' },
    ],
    point: movingOf('', '1.0.0', '1.0.0'),
    verify: '1.1.0-rc.1',
    expect: { verify: ok3, audit: ok4 },
  },
  {
    name: 'single-arch: amd64 only where amd64 and arm64 are required',
    git: ['v1.0.0'],
    images: [{ tags: ['1.0.0'], version: '1.0.0', of: 'v1.0.0', platforms: ['linux/amd64'] }],
    point: movingOf('', '1.0.0', '1.0.0'),
    verify: '1.0.0',
    expect: {
      verify: { platforms: X, 'tag-scheme': P, labels: P, exit: 1 },
      audit: { 'release-consistency': P, platforms: X, labels: P, 'tag-scheme': P, exit: 1 },
    },
  },
  {
    name: 'attestation-only index: the push lost every platform image',
    git: ['v1.0.0'],
    images: [{ tags: ['1.0.0'], version: '1.0.0', of: 'v1.0.0', attestationsOnly: true }],
    point: movingOf('', '1.0.0', '1.0.0'),
    verify: '1.0.0',
    expect: {
      verify: { platforms: X, 'tag-scheme': P, labels: N, exit: 1 },
      audit: { 'release-consistency': P, platforms: X, labels: X, 'tag-scheme': P, exit: 1 },
    },
  },
  {
    name: 'a moving tag on an older build: latest left on 1.0.0 after 1.1.0',
    git: ['v1.0.0', 'v1.1.0'],
    images: [
      { tags: ['1.0.0'], version: '1.0.0', of: 'v1.0.0' },
      { tags: ['1.1.0'], version: '1.1.0', of: 'v1.1.0' },
    ],
    point: [
      ['1.0', '1.0.0'],
      ['1.1', '1.1.0'],
      ['1', '1.1.0'],
      ['latest', '1.0.0'],
    ],
    verify: '1.1.0',
    expect: {
      verify: { platforms: P, 'tag-scheme': X, labels: P, exit: 1 },
      audit: { 'release-consistency': P, platforms: P, labels: P, 'tag-scheme': X, exit: 1 },
    },
  },
  {
    name: 'a missing label: no org.opencontainers.image.revision',
    git: ['v1.0.0'],
    images: [{ tags: ['1.0.0'], version: '1.0.0', labels: 'no-revision' }],
    point: movingOf('', '1.0.0', '1.0.0'),
    verify: '1.0.0',
    expect: {
      verify: { platforms: P, 'tag-scheme': P, labels: X, exit: 1 },
      audit: { 'release-consistency': P, platforms: P, labels: X, 'tag-scheme': P, exit: 1 },
    },
  },
  {
    name: 'empty registry, no version anywhere',
    git: [],
    images: [],
    expect: { audit: { 'release-consistency': N, platforms: N, labels: N, 'tag-scheme': N, exit: 1 } },
  },
  {
    name: 'empty registry, a version tagged in git (a half release)',
    git: ['v1.0.0'],
    images: [],
    expect: { audit: { 'release-consistency': X, platforms: N, labels: N, 'tag-scheme': N, exit: 1 } },
  },
  {
    name: 'a registry with only non-version tags (main, edge)',
    git: [],
    images: [],
    other: ['main', 'edge'],
    verify: 'main',
    expect: {
      verify: { platforms: P, 'tag-scheme': N, labels: P, exit: 1 },
      audit: { 'release-consistency': N, platforms: N, labels: N, 'tag-scheme': N, exit: 1 },
    },
  },
];

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  // Fixed dates: nothing here depends on the day the suite runs.
  GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z',
};

async function git(dir: string, ...args: string[]): Promise<string> {
  const r = await runProcess('git', args, { cwd: dir, env: GIT_ENV });
  assert.equal(r.exitCode, 0, r.stderr);
  return r.stdout.trim();
}

describe('verdict matrix: every check in every release scenario (real registry, real git, the CLI)', function () {
  this.timeout(180_000);
  const registry = useRegistry('none');
  let work: string;

  before(() => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(path.join(ARTIFACTS, 'verdicts-'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  async function cli(args: string[], cwd: string) {
    contentCache.clear();
    let stdout = '';
    let stderr = '';
    const code = await runCli(
      [...args, '--cwd', cwd],
      {
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        env: { PATH: process.env.PATH, HOME: work },
      },
      new AbortController().signal,
    );
    return { code, stdout, stderr };
  }

  /** The scenario's git repository and image repository, built from its row. */
  async function build(s: Scenario, n: number): Promise<{ dir: string; image: string }> {
    const reg = registry();
    const repo = `matrix/s${n}`;
    const dir = mkdtempSync(path.join(work, `s${n}-`));
    await git(dir, 'init', '-q', '-b', 'main');
    const commits = new Map<string, string>();
    for (const t of s.git) {
      await git(dir, 'commit', '-q', '--allow-empty', '-m', `release ${t}`);
      await git(dir, 'tag', t);
      commits.set(t, await git(dir, 'rev-parse', 'HEAD'));
    }
    const pushed = new Map<string, PushedManifest>();
    const labelsOf = (version: string, revision: string | undefined) => ({
      'org.opencontainers.image.version': version,
      ...(revision ? { 'org.opencontainers.image.revision': revision } : {}),
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    });
    const push = async (tags: string[], labels: Record<string, string>, spec: Partial<ImageSpec> = {}) => {
      const platforms = spec.platforms ?? ['linux/amd64', 'linux/arm64'];
      const images = await Promise.all(platforms.map((platform) => pushImage(reg, repo, { platform, labels })));
      const m =
        platforms.length === 1 && !spec.attestationsOnly
          ? images[0]
          : await pushIndex(reg, repo, images, { attestations: true, attestationsOnly: spec.attestationsOnly });
      for (const t of tags) {
        await tagManifest(reg, repo, t, m);
        pushed.set(t, m);
      }
      return m;
    };
    for (const spec of s.images) {
      const revision =
        spec.labels === 'no-revision' ? undefined : spec.of ? commits.get(spec.of)! : randomBytes(20).toString('hex');
      const m = await push(spec.tags, labelsOf(spec.version, revision), spec);
      if (revision && !spec.attestationsOnly) await tagManifest(reg, repo, revision.slice(0, 7), m);
    }
    if (s.other?.length) await push(s.other, labelsOf('main', randomBytes(20).toString('hex')));
    for (const [tag, from] of s.point ?? []) await tagManifest(reg, repo, tag, pushed.get(from)!);
    return { dir, image: `${reg.host}/${repo}` };
  }

  SCENARIOS.forEach((s, n) => {
    it(s.name, async () => {
      const { dir, image } = await build(s, n);
      if (s.verify) {
        const r = await cli(['verify', `${image}:${s.verify}`, '--json'], dir);
        const j = JSON.parse(r.stdout);
        const got = Object.fromEntries(j.checks.map((c: { id: string; verdict: string }) => [c.id, c.verdict]));
        assert.deepEqual(Object.keys(got), [...VERIFY_CHECKS], 'verify reports a check the matrix has no column for');
        assert.deepEqual({ ...got, exit: r.code }, s.expect.verify, `verify ${s.verify}:\n${r.stdout}${r.stderr}`);
        assert.equal(
          j.checked,
          j.checks.reduce((sum: number, c: { examined: { count: number } }) => sum + c.examined.count, 0),
        );
        assert.ok(
          j.basis.some(
            (b: { subject: string; source: string }) => b.subject === 'image tags' && b.source !== 'configured',
          ),
          'with no configuration, the image prefix is inferred or the default, and said',
        );
      } else assert.equal(s.expect.verify, undefined);
      const a = await cli(['audit', '--image', image, '--json'], dir);
      const j = JSON.parse(a.stdout);
      const got = Object.fromEntries(j.checks.map((c: { id: string; verdict: string }) => [c.id, c.verdict]));
      assert.deepEqual(Object.keys(got), [...AUDIT_CHECKS], 'audit reports a check the matrix has no column for');
      assert.deepEqual(
        { ...got, exit: a.code },
        s.expect.audit,
        `audit:\n${JSON.stringify(j.checks, null, 1)}\n${a.stderr}`,
      );
      if (Object.values(s.expect.audit).every((v) => v === N || v === 1)) {
        assert.equal(j.checked, 0);
        assert.equal(j.verdict, 'nothing-checked');
        // --allow-empty opts out of the exit code, not out of the verdict.
        const allowed = await cli(['audit', '--image', image, '--json', '--allow-empty'], dir);
        assert.deepEqual([allowed.code, JSON.parse(allowed.stdout).verdict], [0, 'nothing-checked']);
      }
    });
  });

  it('every scenario states the verdict of every check (a new check needs its column and its row)', () => {
    for (const s of SCENARIOS) {
      assert.deepEqual(Object.keys(s.expect.audit).sort(), [...AUDIT_CHECKS, 'exit'].sort(), s.name);
      if (s.expect.verify)
        assert.deepEqual(Object.keys(s.expect.verify).sort(), [...VERIFY_CHECKS, 'exit'].sort(), s.name);
    }
  });
});
