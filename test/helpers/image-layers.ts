import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { HOST_LIBC } from './elf-fixtures';

/** One tar entry of a test layer: a real file copied in, literal text, a symlink, a hard link or a folder. */
export type LayerEntry =
  | { path: string; from: string; mode?: number }
  | { path: string; text: string }
  | { path: string; symlink: string }
  | { path: string; hardlink: string }
  | { path: string; dir: true };

/** A layer tar built with tar-stream, the way image builders write them (relative names, no leading slash). */
export async function tarOf(entries: LayerEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((res, rej) => (p.on('end', res), p.on('error', rej)));
  for (const e of entries) {
    const name = e.path.replace(/^\//, '');
    if ('from' in e) p.entry({ name, mode: e.mode ?? 0o755 }, readFileSync(e.from));
    else if ('text' in e) p.entry({ name, mode: 0o644 }, e.text);
    else if ('symlink' in e) p.entry({ name, type: 'symlink', linkname: e.symlink });
    else if ('hardlink' in e) p.entry({ name, type: 'link', linkname: e.hardlink.replace(/^\//, '') });
    else p.entry({ name, type: 'directory', mode: 0o755 });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const layerStream = (b: Buffer) => Readable.from([b]);

const BW = '/lib/x86_64-linux-gnu';
/** A bookworm runtime the way Debian lays it out (merged /usr): the real glibc 2.36 of this machine. */
export function bookwormRuntime(): LayerEntry[] {
  return [
    { path: '/usr/lib/x86_64-linux-gnu', dir: true },
    { path: '/usr/lib64', dir: true },
    { path: '/lib', symlink: 'usr/lib' },
    { path: '/lib64', symlink: 'usr/lib64' },
    { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', from: HOST_LIBC },
    { path: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', from: `${BW}/ld-linux-x86-64.so.2` },
    { path: '/usr/lib64/ld-linux-x86-64.so.2', symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/etc/ld.so.conf', text: 'include /etc/ld.so.conf.d/*.conf\n' },
    {
      path: '/etc/ld.so.conf.d/x86_64-linux-gnu.conf',
      text: '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
    },
  ];
}
