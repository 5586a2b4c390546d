import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CancelledError } from '../../src/core/errors';
import { freeLoopbackPort } from '../../src/core/net';
import { runProcess, type Runner } from '../../src/core/process/run';

/**
 * A real OpenSSH server of the test's own on loopback, in front of a Docker engine: an `ssh://` engine as the
 * product meets one. Keys (host and client) are made at test time; sshd runs with its own config on a free port
 * and sets DOCKER_HOST for its sessions, so the far side's `docker system dial-stdio` (what the docker CLI's ssh
 * helper runs there) reaches the engine given.
 *
 * The client side: OpenSSH reads ~/.ssh from the passwd entry, not $HOME, so the key and known host are given
 * by a config file of the test's own (`ssh -F`): `runner` puts a folder first on PATH whose `ssh` is the real
 * /usr/bin/ssh with that config. Nothing of the machine's own ssh setup is read or changed.
 *
 *   const s = await startSshd(dockerd.host);
 *   s.url     // ssh://root@127.0.0.1:PORT
 *   s.runner  // runProcess with that PATH: what the product is run with
 *   await s.stop()
 */
export interface TestSshd {
  url: string;
  runner: Runner;
  stop(): Promise<void>;
  log(): string;
}

const SSHD = '/usr/sbin/sshd';

export async function startSshd(dockerHost: string): Promise<TestSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ro-sshd-'));
  const must = async (cmd: string, args: string[]) => {
    const r = await runProcess(cmd, args, { missingHint: 'Set up the test bed: bash test/testbed/setup.sh' });
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  };
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  const port = await freeLoopbackPort();
  const hostPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      `SetEnv DOCKER_HOST=${dockerHost}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    path.join(dir, 'ssh_config'),
    [
      'Host 127.0.0.1',
      `  IdentityFile ${path.join(dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '',
    ].join('\n'),
  );
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${path.join(dir, 'ssh_config')} "$@"\n`);
  chmodSync(path.join(bin, 'ssh'), 0o755);
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation folder

  let logText = '';
  const controller = new AbortController();
  const proc = runProcess(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], {
    timeoutMs: 0,
    signal: controller.signal,
    onLine: (l) => (logText += l + '\n'),
    missingHint: 'Set up the test bed (it installs openssh-server): bash test/testbed/setup.sh',
  }).then(
    (r) => void (logText += `sshd exited ${r.exitCode}\n`),
    (e) => void (e instanceof CancelledError ? undefined : (logText += `sshd: ${String(e)}\n`)),
  );
  const runner: Runner = (command, args, o = {}) =>
    runProcess(command, args, { ...o, env: { ...o.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const url = `ssh://root@127.0.0.1:${port}`;
  const stop = async () => {
    controller.abort();
    await proc;
    rmSync(dir, { recursive: true, force: true });
  };
  // Up when a login runs docker on the far side against the engine.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await runner('docker', ['--host', url, 'version', '--format', '{{.Server.Version}}'], {
      timeoutMs: 20_000,
    });
    if (r.exitCode === 0) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the test sshd did not let docker in within 20 s: ${r.stderr}\n${logText.slice(-2000)}`);
    }
    await new Promise((res) => setTimeout(res, 250));
  }
  return { url, runner, stop, log: () => logText };
}
