import assert from 'node:assert/strict';
import type { DockerResult } from '../../../src/core/container/command';
import { dockerFailure, isDockerHostProblem } from '../../../src/core/container/errors';

const result = (stderr: string, exitCode = 1, args = ['run', '-d']): DockerResult => ({
  command: 'docker',
  args,
  exitCode,
  stdout: '',
  stderr,
  timedOut: false,
  durationMs: 1,
  lines: [],
});

describe('smoke: docker failures become actionable errors', () => {
  it('daemon down is an environment problem that says to start Docker', () => {
    const e = dockerFailure(
      'docker',
      result('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'),
    );
    assert.equal(e.kind, 'environment');
    assert.match(e.message, /daemon is not reachable/);
    assert.match(e.hint!, /Start Docker/);
  });
  it('exec format error is an environment problem with the binfmt fix, not a broken image', () => {
    const e = dockerFailure('docker', result('exec /bin/busybox: exec format error'));
    assert.equal(e.kind, 'environment');
    assert.match(e.hint!, /binfmt/);
  });
  it('a missing buildx names the plugin and the dockerPath setting', () => {
    const e = dockerFailure(
      'docker',
      result('ERROR: BuildKit is enabled but the buildx component is missing or broken.'),
    );
    assert.equal(e.kind, 'environment');
    assert.match(e.hint!, /buildx plugin/);
    assert.match(e.hint!, /dockerPath/);
  });
  it("any other failure carries docker's own last stderr line", () => {
    const e = dockerFailure(
      'docker',
      result('Error response from daemon: conflict: unable to remove repository reference', 1, ['rmi', 'x']),
    );
    assert.equal(e.kind, 'check');
    assert.match(e.message, /docker rmi x failed \(exit 1\): Error response from daemon: conflict/);
  });
  it('tells a Docker host failure of docker run (exit 125) from an image that cannot start', () => {
    assert.ok(
      isDockerHostProblem('docker: Error response from daemon: error waiting for container: context canceled.'),
    );
    assert.ok(
      isDockerHostProblem(
        'docker: Error response from daemon: failed to create endpoint ro on network bridge: could not find bridge docker0.',
      ),
    );
    assert.ok(
      isDockerHostProblem(
        'docker: Error response from daemon: driver failed programming external connectivity: Bind for 127.0.0.1:8080 failed: port is already allocated.',
      ),
    );
    assert.ok(
      !isDockerHostProblem('docker: Error response from daemon: No command specified.'),
      "an image without a command is the image's problem",
    );
    assert.ok(!isDockerHostProblem('/bin/app: line 3: fatal: cannot open config'));
  });
});
