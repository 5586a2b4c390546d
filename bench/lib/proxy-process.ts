import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ProxyStats {
  connections: number;
  requests: number;
}

export interface RemoteDelayProxy {
  port: number;
  stats(): Promise<ProxyStats>;
  close(): Promise<void>;
}

/** Starts bench/lib/proxy-main in a child process (its bundle sits next to the running case's bundle). */
export async function spawnDelayProxy(
  target: { host: string; port: number },
  delayMs: number,
  mainJs = path.join(__dirname, '..', 'lib', 'proxy-main.js'),
): Promise<RemoteDelayProxy> {
  const child: ChildProcess = fork(mainJs, [target.host, String(target.port), String(delayMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string } & T) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m);
      };
      const onExit = (code: number | null) =>
        reject(new Error(`the delay proxy exited (${code}) before answering ${type}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next<{ port: number }>('ready');
  return {
    port,
    stats: () => {
      const p = next<ProxyStats>('stats');
      child.send({ type: 'stats' });
      return p.then(({ connections, requests }) => ({ connections, requests }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'close' });
      }),
  };
}
