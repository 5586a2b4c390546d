import assert from 'node:assert/strict';
import type { DockerResult } from '../../../src/core/container/command';
import { claimContainerName, removeContainer } from '../../../src/core/container/commands';

const result = (exitCode: number, stdout: string, stderr = ''): DockerResult => ({
  command: 'docker',
  args: [],
  exitCode,
  stdout,
  stderr,
  timedOut: false,
  durationMs: 1,
  lines: [],
});
const spec = ['--name', 'ro-smoke-r1-linux-amd64', '--platform', 'linux/amd64', '--label', 'x=1', 'sha256:abc', '-d'];

describe('smoke: settling a killed docker run by its name', () => {
  it('claims with the killed command own spec, never pulling, whatever verb and flags it had', () => {
    const want = ['create', '--pull', 'never', ...spec];
    assert.deepEqual(claimContainerName(['run', ...spec]).args, want);
    assert.deepEqual(claimContainerName(['run', '-d', ...spec]).args, want);
    assert.deepEqual(claimContainerName(['run', '--sig-proxy=false', ...spec]).args, want);
    assert.deepEqual(claimContainerName(['create', '--pull', 'never', ...spec]).args, want);
  });

  it('tells a free name from one in use, and any other failure from both', () => {
    const claim = claimContainerName(['run', ...spec]);
    assert.equal(claim.parse(result(0, 'f00d\n')), 'claimed');
    const conflict =
      'Error response from daemon: Conflict. The container name "/ro-smoke-r1-linux-amd64" is already in use by ' +
      'container "b32". You have to remove (or rename) that container to be able to reuse that name.';
    assert.equal(claim.parse(result(1, '', conflict)), 'taken');
    assert.throws(
      () => claim.parse(result(125, '', 'Error response from daemon: No such image: sha256:abc')),
      /No such image/,
    );
  });

  it('reports whether the removal found the container (docker 20.10 exits 0 either way)', () => {
    const rm = removeContainer('ro-smoke-r1-linux-amd64');
    assert.equal(rm.parse(result(0, 'ro-smoke-r1-linux-amd64\n')), true);
    assert.equal(
      rm.parse(result(0, '', 'Error response from daemon: No such container: ro-smoke-r1-linux-amd64')),
      false,
    );
    assert.equal(rm.parse(result(1, '', 'Error: No such container: ro-smoke-r1-linux-amd64')), false);
    assert.throws(
      () => rm.parse(result(1, '', 'Error response from daemon: removal of container x is already in progress')),
      /already in progress/,
    );
  });
});
