import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The runs in progress on this machine (smoke runs, glibc reads of a local image), so `cleanup` never removes
 * what a live run still uses: another editor window's smoke run, a CI job beside the operator's terminal. Each
 * run keeps a small file named after its run id while it lasts (its process id and host inside); a file whose
 * process is gone (a crash, a kill -9) is stale and is removed by the next look. A run that ended, cleanly or
 * not, has no file: what it left is cleanup's to remove.
 */

/**
 * Shared by every process and user of the machine (/tmp itself, not $TMPDIR, which an editor or a CI job may point
 * elsewhere): a run in one window protects its containers from a cleanup in another terminal.
 */
export const ACTIVE_RUNS_DIR = path.join(process.platform === 'win32' ? os.tmpdir() : '/tmp', 'release-operator-runs');

interface RunFile {
  pid: number;
  host: string;
  started: string;
}

/**
 * Marks a run as in progress; resolves to the function that ends it. Never fails the run: a folder that cannot be
 * used only loses the protection. The folder is in a place every user can write, so nothing there is trusted: it
 * must be a real folder (not a symlink someone planted), it is made world-writable only by the process that
 * creates it, and a mark is created new (O_EXCL: never written through an existing file or link).
 */
export async function markRunActive(
  runId: string,
  dir = ACTIVE_RUNS_DIR,
  onError?: (message: string) => void,
): Promise<() => Promise<void>> {
  const file = path.join(dir, runFileName(runId));
  try {
    const created = await mkdir(dir).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        return false;
      },
    );
    // Writable by every user, files removable only by their owner: as /tmp (mkdir's mode is cut by the umask).
    if (created) await chmod(dir, 0o1777);
    else if (!(await lstat(dir)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    const body: RunFile = { pid: process.pid, host: os.hostname(), started: new Date().toISOString() };
    await writeFile(file, JSON.stringify(body), { mode: 0o644, flag: 'wx' });
  } catch (e) {
    onError?.(
      `cannot mark run ${runId} as in progress in ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)}); \`cleanup\` may remove its containers meanwhile`,
    );
    return async () => undefined;
  }
  return async () => void (await rm(file, { force: true }).catch(() => undefined));
}

/** Ids of the runs in progress on this machine; stale files (their process is gone) are removed on the way. */
export async function activeRunIds(dir = ACTIVE_RUNS_DIR): Promise<Set<string>> {
  const ids = new Set<string>();
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      let run: Partial<RunFile> | undefined;
      try {
        // Never through a link someone put there; a mark is a few bytes.
        const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
        try {
          const buf = Buffer.alloc(4096);
          const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
          run = JSON.parse(buf.subarray(0, bytesRead).toString('utf8')) as Partial<RunFile>;
        } finally {
          await fh.close();
        }
      } catch {
        run = undefined; // being written, or not a mark: neither active nor removed
      }
      if (!run) return;
      if (run.host !== os.hostname() || processAlive(run.pid)) ids.add(name);
      else await rm(file, { force: true }).catch(() => undefined);
    }),
  );
  return ids;
}

/** Whether a process exists (signal 0 checks without sending; EPERM means it exists but belongs to another user). */
export function processAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run ids are generated (`newRunId`) or given with --run-id; keep the file name inside the folder whatever they hold.
 */
export const runFileName = (runId: string) => runId.replace(/[^A-Za-z0-9._-]/g, '_');
