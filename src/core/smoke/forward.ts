import net from 'node:net';
import { CancelledError, environmentError } from '../errors';
import type { Runner } from '../process/run';
import { sleep } from '../sleep';

/** How long ssh may take to log in and open the forward. */
const OPEN_TIMEOUT_MS = 30_000;

/**
 * Where the health probe reaches a service published on an engine's loopback. On this machine (the default
 * engine, a unix:// socket) that is 127.0.0.1 itself. On an ssh:// engine the port is on the engine's machine:
 * ssh forwards a local loopback port to it (`ssh -N -L`), with the same user, host, port, keys and known_hosts the
 * docker CLI's own ssh connection uses, for as long as the probe lasts. A tcp:// engine publishes the port on its
 * host's interfaces, which the probe dials by the host's name.
 */
export interface ProbeAddress {
  host: string;
  port: number;
  close(): Promise<void>;
}

export async function probeAddress(
  endpoint: string | undefined,
  remotePort: number,
  deps: { runner: Runner; freePort(): Promise<number>; signal?: AbortSignal },
): Promise<ProbeAddress> {
  const url = endpoint ? new URL(endpoint) : undefined;
  if (url?.protocol === 'tcp:') return { host: url.hostname, port: remotePort, close: async () => undefined };
  if (url?.protocol !== 'ssh:') return { host: '127.0.0.1', port: remotePort, close: async () => undefined };
  const local = await deps.freePort();
  const stop = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal;
  const args = [
    '-o',
    'BatchMode=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    `ConnectTimeout=${OPEN_TIMEOUT_MS / 1000}`,
    '-N',
    '-L',
    `127.0.0.1:${local}:127.0.0.1:${remotePort}`,
    ...(url.port ? ['-p', url.port] : []),
    ...(url.username ? ['-l', decodeURIComponent(url.username)] : []),
    '--',
    url.hostname,
  ];
  let ended: string | undefined;
  const running = deps
    .runner('ssh', args, {
      timeoutMs: 0,
      signal,
      missingHint: 'Install the OpenSSH client (ssh): docker needs it too.',
    })
    .then(
      (r) => void (ended = r.stderr.trim().split(/\r?\n/).at(-1) || `exit code ${r.exitCode}`),
      (e: unknown) => void (ended = e instanceof Error ? e.message : String(e)),
    );
  const close = async () => {
    stop.abort();
    await running;
  };
  const deadline = Date.now() + OPEN_TIMEOUT_MS;
  while (!(await listening(local))) {
    if (deps.signal?.aborted) {
      await close();
      throw new CancelledError();
    }
    if (ended !== undefined || Date.now() > deadline) {
      await close();
      throw environmentError(
        `Cannot forward the service's port from ${url.host} through ssh: ${ended ?? 'no forward after 30 s'}.`,
        'The health check reaches an ssh:// engine through `ssh -L`: the ssh login docker uses must allow port forwarding.',
      );
    }
    await sleep(100);
  }
  return { host: '127.0.0.1', port: local, close };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
