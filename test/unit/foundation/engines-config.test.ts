import assert from 'node:assert/strict';
import { defaultConfig, validateOverrides } from '../../../src/core/config/load';
import {
  defaultEngine,
  describeDefaultEngine,
  describeEngine,
  engineArgs,
  engineFor,
  isRemoteHost,
} from '../../../src/core/container';
import { ReleaseOperatorError } from '../../../src/core/errors';

function problems(input: unknown): string {
  try {
    validateOverrides(input, 'release-operator.json');
  } catch (e) {
    assert.ok(e instanceof ReleaseOperatorError && e.kind === 'usage', String(e));
    return e.message;
  }
  return assert.fail('expected the configuration to be refused');
}

describe('engines (an engine per platform)', () => {
  it('defaults to none: every platform on the default engine', () => {
    assert.deepEqual(defaultConfig().engines, {});
  });

  it('takes a docker context or an engine address per platform', () => {
    const o = validateOverrides(
      {
        engines: {
          'linux/arm64': { host: 'ssh://ci@arm-box:2222' },
          'linux/amd64': { context: 'local-amd' },
          'linux/s390x': { host: 'unix:///run/d2/docker.sock' },
          'linux/riscv64': { host: 'tcp://10.0.0.5:2376' },
        },
      },
      'f',
    );
    assert.deepEqual(o.engines?.['linux/arm64'], { host: 'ssh://ci@arm-box:2222' });
    assert.deepEqual(o.engines?.['linux/amd64'], { context: 'local-amd' });
  });

  it('refuses what docker could not dial, naming the key and the forms it takes', () => {
    const m = problems({
      engines: {
        arm64: { host: 'ssh://x' },
        'linux/arm64': { host: 'http://arm-box' },
        'linux/amd64': { context: 'a', host: 'unix:///x' },
        'linux/386': { context: '-bad' },
        'linux/s390x': 'ssh://x',
      },
    });
    assert.match(m, /engines\.arm64: "arm64" is not of the form os\/architecture/);
    assert.match(
      m,
      /engines\.linux\/arm64\.host: "http:\/\/arm-box" is not an engine address \(unix:\/\/\/path, tcp:\/\/HOST:PORT, ssh:\/\/USER@HOST\)/,
    );
    assert.match(m, /engines\.linux\/amd64: expected \{ "context": NAME \} or \{ "host":/);
    assert.match(m, /engines\.linux\/386\.context: "-bad" is not a docker context name/);
    assert.match(m, /engines\.linux\/s390x: expected/);
  });

  it('finds a platform by its exact key, else by the same platform (arm64 is arm64/v8)', () => {
    const engines = { 'linux/arm64/v8': { host: 'ssh://a@b' }, 'linux/amd64': { context: 'x' } };
    assert.deepEqual(engineFor(engines, 'linux/arm64'), { host: 'ssh://a@b' });
    assert.deepEqual(engineFor(engines, 'linux/amd64'), { context: 'x' });
    assert.equal(engineFor(engines, 'linux/s390x'), undefined);
    assert.equal(engineFor(undefined, 'linux/amd64'), undefined);
  });

  it('sends a call to its engine with the global flag, which wins over DOCKER_HOST', () => {
    assert.deepEqual(engineArgs({ host: 'ssh://a@b' }), ['--host', 'ssh://a@b']);
    assert.deepEqual(engineArgs({ context: 'arm' }), ['--context', 'arm']);
    assert.deepEqual(engineArgs(undefined), []);
  });

  it('tells this machine’s sockets from engines that may be elsewhere, and never shows a password', () => {
    assert.equal(isRemoteHost('unix:///var/run/docker.sock'), false);
    assert.equal(isRemoteHost('ssh://root@127.0.0.1:22'), true);
    assert.equal(isRemoteHost('tcp://127.0.0.1:2375'), true);
    assert.equal(describeEngine({ host: 'tcp://u:secret@h:1' }), 'tcp://u:***@h:1');
    assert.equal(describeEngine({ context: 'arm' }), 'docker context arm');
  });

  it('finds the default engine where the docker client says (docker context inspect) and says how', () => {
    const cmd = defaultEngine();
    assert.deepEqual(cmd.args, ['context', 'inspect', '--format', '{{json .}}']);
    const parse = (stdout: string, exitCode = 0) =>
      cmd.parse({ exitCode, stdout, stderr: '', lines: [] } as unknown as Parameters<typeof cmd.parse>[0]);
    const ctx = (name: string, host: string) => JSON.stringify({ Name: name, Endpoints: { docker: { Host: host } } });
    // What the 20.10 and 28 clients print (tried on the test bed).
    const env = parse(ctx('default', 'ssh://ci@arm-box:2222'));
    assert.deepEqual(env, { endpoint: 'ssh://ci@arm-box:2222', from: 'DOCKER_HOST', remote: true });
    assert.equal(describeDefaultEngine(env), 'the default engine ssh://ci@arm-box:2222 (from DOCKER_HOST)');
    const current = parse(ctx('lab', 'tcp://10.0.0.5:2376'));
    assert.deepEqual(current, {
      endpoint: 'tcp://10.0.0.5:2376',
      from: 'the current docker context lab',
      remote: true,
    });
    const plain = parse(ctx('default', 'unix:///var/run/docker.sock'));
    assert.equal(plain.remote, false);
    assert.equal(describeDefaultEngine(plain), undefined, 'the usual socket is not worth naming');
    const other = parse(ctx('default', 'unix:///tmp/d2/docker.sock'));
    assert.deepEqual(
      [other.remote, describeDefaultEngine(other)],
      [false, 'the default engine unix:///tmp/d2/docker.sock (from DOCKER_HOST)'],
    );
    // A client without contexts (podman) or garbage: this machine, as before, and said so.
    for (const r of [parse('', 125), parse('not json'), parse('{}')]) {
      assert.equal(r.remote, false);
      assert.match(r.from, /does not say/);
    }
    assert.equal(
      describeDefaultEngine(parse(ctx('default', 'ssh://u:secret@h'))),
      'the default engine ssh://u:***@h (from DOCKER_HOST)',
    );
  });
});
