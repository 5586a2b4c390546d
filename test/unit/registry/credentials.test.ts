import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../../../src/core/process/run';
import { redact } from '../../../src/core/redact';
import { defaultCredentials } from '../../../src/core/registry';

describe('registry: credentials', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ro-creds-'));
    writeFileSync(
      path.join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hub-secret-1').toString('base64') },
          'ghcr.io': { auth: Buffer.from('ghuser:ghcr-secret-2').toString('base64') },
          'reg.lan:5000': { username: 'lan', password: 'lan-secret-3' },
        },
        credHelpers: { 'helped.example.com': 'rotest' },
      }),
    );
    // A real docker-credential-* program, as docker calls it: server URL on stdin, JSON on stdout.
    const helper = path.join(dir, 'docker-credential-rotest');
    writeFileSync(
      helper,
      '#!/bin/sh\nread url\n[ "$url" = "helped.example.com" ] || exit 1\necho \'{"ServerURL":"helped.example.com","Username":"helper-user","Secret":"helper-secret-4"}\'\n',
    );
    chmodSync(helper, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const source = (
    env: Record<string, string> = {},
    explicit?: Record<string, { username: string; password: string }>,
  ) =>
    defaultCredentials({
      env: { ...env },
      explicit,
      dockerConfigDir: dir,
      runner: (c, a, o) => runProcess(c, a, { ...o, env: { ...o?.env, PATH: `${dir}:${process.env.PATH}` } }),
    });

  it('reads ~/.docker/config.json auths (base64 and split forms, Docker Hub key)', async () => {
    const s = source();
    assert.deepEqual(await s('docker.io'), {
      username: 'hubuser',
      password: 'hub-secret-1',
      source: `${dir}/config.json`,
    });
    assert.equal((await s('reg.lan:5000'))?.password, 'lan-secret-3');
    assert.equal(await s('nowhere.example.com'), undefined);
  });

  it('asks a docker-credential helper named in credHelpers', async () => {
    assert.deepEqual(await source()('helped.example.com'), {
      username: 'helper-user',
      password: 'helper-secret-4',
      source: 'docker-credential-rotest',
    });
  });

  it('prefers explicit options, then GITHUB_TOKEN for ghcr.io, then the docker config', async () => {
    assert.equal(
      (
        await source(
          { GITHUB_TOKEN: 'ghs_tokenvalue1234567890' },
          { 'ghcr.io': { username: 'me', password: 'explicit-5' } },
        )('ghcr.io')
      )?.source,
      'options',
    );
    const gh = await source({ GITHUB_TOKEN: 'ghs_tokenvalue1234567890', GITHUB_ACTOR: 'octocat' })('ghcr.io');
    assert.deepEqual(gh, { username: 'octocat', password: 'ghs_tokenvalue1234567890', source: 'GITHUB_TOKEN' });
    assert.equal((await source()('ghcr.io'))?.password, 'ghcr-secret-2');
  });

  it('registers every secret it reads for redaction', async () => {
    await source()('reg.lan:5000');
    assert.equal(redact('password lan-secret-3 here'), 'password *** here');
  });
});
