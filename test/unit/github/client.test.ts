import assert from 'node:assert/strict';
import { GitHubClient, getRun, listPackageVersions, listReleases } from '../../../src/core/github';
import { redact } from '../../../src/core/redact';
import { GitHubFake, type FakeResponse } from '../../helpers/github-fake';

const repo = { owner: 'acme', name: 'app' };
const NOW = 1_700_000_000_000;
const RUN = '/repos/{owner}/{repo}/actions/runs/{run_id}';

describe('github: client manners (rate limits, retries, tokens, scopes)', () => {
  let fake: GitHubFake;
  let sleeps: number[];
  const client = (extra: Partial<Parameters<typeof GitHubClient.create>[0]> = {}) =>
    GitHubClient.create({
      apiUrl: fake.url,
      token: async () => fake.token,
      sleep: async (ms) => void sleeps.push(ms),
      now: () => NOW,
      ...extra,
    });

  beforeEach(async () => {
    fake = await GitHubFake.start();
    sleeps = [];
  });
  afterEach(async () => {
    await fake.close();
    fake.assertNoViolations();
  });

  it('waits for x-ratelimit-reset on a 403 and for retry-after on a 429, then succeeds', async () => {
    let n = 0;
    fake.route('GET', RUN, (): FakeResponse => {
      n++;
      if (n === 1)
        return {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) },
          body: { message: 'API rate limit exceeded' },
        };
      if (n === 2)
        return {
          status: 429,
          headers: { 'retry-after': '7' },
          body: { message: 'You have exceeded a secondary rate limit' },
        };
      return { body: { ...fake.example<object>('GET', RUN), id: 5 } };
    });
    const run = await getRun(await client(), repo, 5);
    assert.equal(run.id, 5);
    assert.deepEqual(sleeps, [31_000, 7_000]);
  });

  it('gives up with the reset time when the wait would be too long', async () => {
    fake.route('GET', RUN, () => ({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 3600) },
      body: { message: 'API rate limit exceeded' },
    }));
    await assert.rejects(getRun(await client(), repo, 5), (e: Error & { kind: string }) => {
      assert.equal(e.kind, 'environment');
      assert.match(e.message, /rate limit is exhausted \(403\); it resets at 2023-11-14T23:13:21\.000Z/);
      return true;
    });
    assert.deepEqual(sleeps, []);
  });

  it('retries a 502 a little, then reports it', async () => {
    let n = 0;
    fake.route('GET', RUN, () =>
      ++n < 3 ? { status: 502, body: { message: 'Server Error' } } : { body: fake.example('GET', RUN) },
    );
    await getRun(await client(), repo, 5);
    assert.equal(n, 3);
    n = -10;
    await assert.rejects(
      getRun(await client(), repo, 5),
      /GitHub failed to read run 5 of acme\/app: Server Error \(502\)/,
    );
  });

  it('names the missing scope from X-Accepted-OAuth-Scopes', async () => {
    fake.scopes = 'repo';
    const pkgRoute = '/users/{username}/packages/{package_type}/{package_name}/versions';
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', () => ({
      status: 404,
      body: { message: 'Not Found' },
    }));
    fake.route('GET', pkgRoute, () => ({
      status: 403,
      headers: { 'x-accepted-oauth-scopes': 'read:packages' },
      body: { message: 'You need at least read:packages scope to list packages.' },
    }));
    const r = await listPackageVersions(await client(), 'acme', 'app');
    assert.ok('unavailable' in r);
    assert.match(r.unavailable, /lacks the 'read:packages' scope needed to list the versions of package acme\/app/);
  });

  it('reads container package versions (the second source of image tags)', async () => {
    fake.route('GET', '/orgs/{org}/packages/{package_type}/{package_name}/versions', (req) => {
      assert.equal(req.params.package_type, 'container');
      const base = fake.example<Array<Record<string, unknown>>>(
        'GET',
        '/orgs/{org}/packages/{package_type}/{package_name}/versions',
      )[0];
      return {
        body: [
          {
            ...base,
            id: 1,
            name: 'sha256:abc',
            metadata: { package_type: 'container', container: { tags: ['v1.0.0', 'latest'] } },
          },
        ],
      };
    });
    const r = await listPackageVersions(await client(), 'acme', 'app');
    assert.deepEqual('versions' in r && r.versions.map((v) => [v.digest, v.tags]), [
      ['sha256:abc', ['v1.0.0', 'latest']],
    ]);
  });

  it("lists Releases and marks GitHub's Latest", async () => {
    const ex = fake.example<Array<Record<string, unknown>>>('GET', '/repos/{owner}/{repo}/releases')[0];
    fake.route('GET', '/repos/{owner}/{repo}/releases', () => ({
      body: [
        { ...ex, id: 2, tag_name: 'v1.1.0', draft: false },
        { ...ex, id: 3, tag_name: 'v1.2.0', draft: true },
      ],
    }));
    fake.route('GET', '/repos/{owner}/{repo}/releases/latest', () => ({ body: { ...ex, id: 2, tag_name: 'v1.1.0' } }));
    const releases = await listReleases(await client(), repo);
    assert.deepEqual(
      releases.map((r) => [r.tag, r.draft, r.latest]),
      [
        ['v1.1.0', false, true],
        ['v1.2.0', true, false],
      ],
    );
  });

  it('refuses to start without a token and names the scopes; a wrong token is a 401 message; tokens are redacted', async () => {
    await assert.rejects(
      GitHubClient.create({ apiUrl: fake.url, token: async () => undefined }),
      (e: Error & { kind: string; hint: string }) => {
        assert.equal(e.kind, 'usage');
        assert.match(e.hint, /repo, workflow, read:packages/);
        return true;
      },
    );
    const wrong = 'not-the-right-token-1234';
    await assert.rejects(
      getRun(await client({ token: async () => wrong }), repo, 5),
      /refused the token .*401 Bad credentials/,
    );
    assert.equal(redact(`token ${wrong}`), 'token ***');
  });

  it('a private repository the token cannot see: 404 says which scope would help', async () => {
    fake.scopes = 'read:packages';
    fake.route('GET', RUN, () => ({ status: 404, body: { message: 'Not Found' } }));
    await assert.rejects(getRun(await client(), repo, 5), (e: Error & { hint: string }) => {
      assert.match(e.message, /could not find .* read run 5 of acme\/app \(404\)/);
      assert.match(e.hint, /needs the 'repo' scope \(it has: read:packages\)/);
      return true;
    });
  });
});

describe('github fake: checks every request against the API description', () => {
  let fake: GitHubFake;
  before(async () => (fake = await GitHubFake.start()));
  after(() => fake.close());
  const call = (method: string, path: string, body?: unknown) =>
    fetch(fake.url + path, {
      method,
      headers: { authorization: `token ${fake.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('accepts a request the description allows and answers from its example', async () => {
    const res = await call('GET', '/repos/acme/app/actions/runs?per_page=5&status=completed');
    assert.equal(res.status, 200);
    const body = (await res.json()) as { workflow_runs: unknown[] };
    assert.ok(body.workflow_runs.length > 0);
    assert.deepEqual(fake.violations, []);
  });

  it('records an unknown path, an unknown or mistyped query parameter and a body the schema refuses', async () => {
    await call('GET', '/repos/acme/app/actions/nonsense');
    await call('GET', '/repos/acme/app/actions/runs?colour=blue');
    await call('GET', '/repos/acme/app/actions/runs/abc');
    await call('GET', '/repos/acme/app/actions/runs?per_page=many');
    await call('POST', '/repos/acme/app/actions/workflows/release.yml/dispatches', { inputs: { a: '1' } });
    await call('POST', '/repos/acme/app/actions/runs/1/cancel', { force: 'yes' });
    const v = fake.violations.splice(0);
    assert.equal(v.length, 6, v.join('\n'));
    assert.match(v[0], /no such operation/);
    assert.match(v[1], /query parameter colour is not allowed/);
    assert.match(v[2], /path parameter run_id="abc"/);
    assert.match(v[3], /query parameter per_page="many"/);
    assert.match(v[4], /must have required property 'ref'/);
    assert.match(v[5], /takes no request body/);
  });
});
