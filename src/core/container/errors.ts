import { ReleaseOperatorError, type ErrorKind } from '../errors';
import { lastLine } from '../process/run';
import type { DockerResult } from './command';

export const DOCKER_PATH_HINT =
  'Install Docker, or set releaseOperator.dockerPath (CLI: --docker or RELEASE_OPERATOR_DOCKER) to a docker executable.';
export const BINFMT_HINT =
  'Register QEMU binfmt handlers on the Docker host: `apt-get install qemu-user-static binfmt-support` ' +
  '(then `update-binfmts --enable`), or `docker run --privileged --rm tonistiigi/binfmt --install all`.';

/** A docker command that exited non-zero; the message is docker's own stderr. */
export class DockerError extends ReleaseOperatorError {
  constructor(
    kind: ErrorKind,
    message: string,
    hint: string | undefined,
    readonly result: DockerResult,
  ) {
    super(kind, message, hint);
    this.name = 'DockerError';
  }
}

const DAEMON_DOWN = [
  /Cannot connect to the Docker daemon/i,
  /Is the docker daemon running/i,
  /error during connect/i,
  /permission denied while trying to connect to the Docker daemon/i,
];
const EXEC_FORMAT = /exec format error/i;
const BUILDX_MISSING = /buildx component is missing|'buildx' is not a docker command|unknown command: docker buildx/i;

export const isDaemonDown = (text: string) => DAEMON_DOWN.some((re) => re.test(text));
/** How an ssh:// or tcp:// engine that cannot be reached fails (ssh's own words come through the docker CLI). */
const isEngineUnreachable = (text: string) =>
  /connection refused|no route to host|permission denied \(publickey|host key verification failed|could not resolve hostname|connection closed by remote host|i\/o timeout/i.test(
    text,
  );
export const isExecFormatError = (text: string) => EXEC_FORMAT.test(text);
const isBuildxMissing = (text: string) => BUILDX_MISSING.test(text);
/**
 * Messages of `docker run` failures (exit 125) that come from the Docker host, not the image: a daemon going away,
 * a full disk, broken container networking. Kept narrow: "No command specified" is also exit 125 and is the image's.
 */
const HOST_SIDE = new RegExp(
  [
    'context canceled',
    'no space left on device',
    'could not find bridge',
    'failed to create endpoint',
    'failed to set up container networking',
    'port is already allocated',
    'address already in use',
  ].join('|'),
  'i',
);
export const isDockerHostProblem = (text: string) => isDaemonDown(text) || HOST_SIDE.test(text);

/** Maps a failed docker process to an error a person can act on; `fallback` is the kind of an unrecognised failure. */
export function dockerFailure(
  dockerPath: string,
  r: DockerResult,
  fallback: ErrorKind = 'check',
  engine?: string,
): DockerError {
  const text = `${r.stderr}\n${r.stdout}`;
  const what = `docker ${r.args.slice(0, 2).join(' ')}`;
  if (isDaemonDown(text) || (engine && isEngineUnreachable(text))) {
    return new DockerError(
      'environment',
      `The Docker daemon${engine ? ` of ${engine}` : ''} is not reachable: ${lastLine(r)}`,
      engine
        ? `Start that engine, or fix the "engines" setting (the host, the ssh key, the context), then retry.`
        : `Start Docker (or check DOCKER_HOST / the docker context), then retry. Docker executable: ${dockerPath}.`,
      r,
    );
  }
  if (r.timedOut)
    return new DockerError(
      'environment',
      `${what} did not finish in time.`,
      'The Docker daemon may be overloaded; retry, or raise the timeout.',
      r,
    );
  if (isExecFormatError(text))
    return new DockerError(
      'environment',
      `${what} failed: exec format error (no emulator for this platform).`,
      BINFMT_HINT,
      r,
    );
  // A full disk is the host's problem, not the image's (a build or a container that writes hits it).
  if (/no space left on device/i.test(text)) {
    return new DockerError(
      'environment',
      `${what} failed: the Docker host ran out of disk space (no space left on device).`,
      'Free space on the Docker host (docker system prune, or a bigger data-root), then retry.',
      r,
    );
  }
  if (isBuildxMissing(text)) {
    return new DockerError(
      'environment',
      `${dockerPath} cannot build with BuildKit: the buildx plugin is missing.`,
      BUILD_HINT,
      r,
    );
  }
  return new DockerError(
    fallback,
    `${what} failed (exit ${r.exitCode}): ${lastLine(r) || 'no output'}`,
    fallback === 'environment'
      ? `Check the Docker engine (\`${dockerPath} info\`) and the docker executable.`
      : undefined,
    r,
  );
}

export const BUILD_HINT =
  'Install the buildx plugin (docker-buildx), or set releaseOperator.dockerPath / --docker to a docker client ' +
  'that can build with BuildKit (DOCKER_BUILDKIT=1 docker build --platform).';
