import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError } from '../../src/core/errors';
import { freeLoopbackPort } from '../../src/core/net';
import { runProcess, type Runner } from '../../src/core/process/run';

/**
 * A second Docker engine of the test's own, so faults (stopping the daemon, filling its disk) never touch the
 * shared one other suites use. Own socket, data-root, exec-root, pidfile and containerd namespace, and its own
 * bridge interface (not docker0) without iptables, so it cannot collide with the shared daemon's network.
 * Optionally on a small tmpfs so a build can really run out of space.
 *
 *   const d = await startDockerd({ tmpfsMb: 64 });
 *   d.env            // { DOCKER_HOST: 'unix:///tmp/.../docker.sock' }: what the product is pointed at
 *   d.tcpHost        // with { tcp: true }: tcp://127.0.0.1:PORT, the same engine over TCP
 *   d.runner         // runProcess with DOCKER_HOST set: the product's own runner, aimed at this daemon
 *   await d.stop()   // SIGTERM (a daemon stopped by its service manager); resolves when it has exited
 *   await d.start()  // again, on the same data-root
 *   await d.destroy()  // stop, unmount, remove everything
 */
export interface TestDockerd {
  host: string;
  /** With options.tcp: the same engine at tcp://127.0.0.1:PORT (loopback, no TLS: a test engine only). */
  tcpHost?: string;
  env: { DOCKER_HOST: string };
  runner: Runner;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
  log(): string;
}

export async function startDockerd(options: { tmpfsMb?: number; tcp?: boolean } = {}): Promise<TestDockerd> {
  // Unix socket paths are limited to 108 bytes: keep the folder short, under /tmp.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-dockerd-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  if (options.tmpfsMb) {
    const m = await runProcess('mount', ['-t', 'tmpfs', '-o', `size=${options.tmpfsMb}m`, 'tmpfs', data]);
    if (m.exitCode !== 0) throw new Error(`cannot mount a tmpfs for the test daemon (root needed): ${m.stderr}`);
  }
  // Its own bridge on a /24 of its own: BuildKit RUN steps and published ports need one.
  const suffix = path
    .basename(dir)
    .slice(-6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0');
  const bridge = `ro-rel-${suffix}`;
  const subnet = `10.213.${Math.floor(Math.random() * 250) + 1}`;
  for (const args of [
    ['link', 'add', bridge, 'type', 'bridge'],
    ['addr', 'add', `${subnet}.1/24`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ]) {
    const r = await runProcess('ip', args);
    if (r.exitCode !== 0) {
      await runProcess('ip', ['link', 'del', bridge]);
      if (options.tmpfsMb) await runProcess('umount', ['-l', data]);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`ip ${args.join(' ')} failed (root and iproute2 needed): ${r.stderr}`);
    }
  }
  const sock = path.join(dir, 'docker.sock');
  const host = `unix://${sock}`;
  const tcpHost = options.tcp ? `tcp://127.0.0.1:${await freeLoopbackPort()}` : undefined;
  const ns = `ro-reliability-${suffix}`;
  const pidfile = path.join(dir, 'docker.pid');
  let logText = '';
  let proc: Promise<void> | undefined;
  let controller: AbortController | undefined;
  const runner: Runner = (command, args, o = {}) =>
    runProcess(command, args, { ...o, env: { ...o.env, DOCKER_HOST: host } });

  const start = async () => {
    controller = new AbortController();
    proc = runProcess(
      'dockerd',
      [
        '-H',
        host,
        ...(tcpHost ? ['-H', tcpHost] : []),
        '--data-root',
        data,
        '--exec-root',
        path.join(dir, 'exec'),
        '--pidfile',
        pidfile,
        '--iptables=false',
        '--ip-masq=false',
        '--ip-forward=false',
        '--bridge',
        bridge,
        '--containerd-namespace',
        ns,
        '--containerd-plugins-namespace',
        `${ns}-plugins`,
      ],
      {
        timeoutMs: 0,
        signal: controller.signal,
        onLine: (l) => (logText += l + '\n'),
        missingHint: 'Set up the test bed: bash test/testbed/setup.sh',
      },
    ).then(
      () => undefined,
      (e) => void (e instanceof CancelledError ? undefined : (logText += `dockerd: ${String(e)}\n`)),
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await runProcess('docker', ['-H', host, 'version', '--format', '{{.Server.Version}}'], {
        timeoutMs: 10_000,
      });
      if (r.exitCode === 0) return;
      if (Date.now() > deadline)
        throw new Error(`the test dockerd did not answer within 30 s:\n${logText.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  /** SIGTERM to the daemon by its pid (as a service manager stops it), then wait for it to exit. */
  const stop = async () => {
    if (!proc) return;
    const pid = existsSync(pidfile) ? Number(readFileSync(pidfile, 'utf8').trim()) : undefined;
    if (pid) process.kill(pid, 'SIGTERM');
    else controller?.abort();
    const exited = await Promise.race([
      proc.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 45_000)),
    ]);
    if (!exited) controller?.abort();
    await proc;
    proc = undefined;
  };

  const destroy = async () => {
    await stop().catch(() => undefined);
    if (options.tmpfsMb) await runProcess('umount', ['-l', data]);
    await runProcess('ip', ['link', 'del', bridge]);
    rmSync(dir, { recursive: true, force: true });
  };

  await start().catch(async (e) => {
    await destroy();
    throw e;
  });
  return { host, tcpHost, env: { DOCKER_HOST: host }, runner, dir, start, stop, destroy, log: () => logText };
}
