import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Real ELF files on the test bed (see test/testbed/setup.sh); a missing one fails with how to get it. */
export const CACHE = process.env.RO_CACHE ?? '/var/cache/release-operator';
export const FOREIGN = `${CACHE}/foreign`;
export const TRIXIE = `${CACHE}/trixie`;
export const HOST_LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

export function fixtureFile(p: string): string {
  if (!existsSync(p)) throw new Error(`Test bed file ${p} is missing. Set up the test bed: bash test/testbed/setup.sh`);
  return p;
}

/** What `readelf -V --wide` (binutils, the oracle) says a file needs and defines. */
export interface ReadelfVersions {
  needs: Array<{ file: string; versions: Array<{ name: string; weak: boolean }> }>;
  defs: Array<{ name: string; base: boolean; parents: string[] }>;
}

export function readelfVersions(file: string): ReadelfVersions {
  const out = execFileSync('readelf', ['-V', '--wide', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const r: ReadelfVersions = { needs: [], defs: [] };
  let section: 'needs' | 'defs' | 'other' = 'other';
  for (const line of out.split('\n')) {
    if (/^Version needs section/.test(line)) section = 'needs';
    else if (/^Version definition section/.test(line)) section = 'defs';
    else if (/^Version symbols section/.test(line)) section = 'other';
    let m: RegExpExecArray | null;
    if (section === 'needs' && (m = /Version: \d+\s+File: (\S+)\s+Cnt: \d+/.exec(line)))
      r.needs.push({ file: m[1], versions: [] });
    else if (section === 'needs' && (m = /Name: (\S+)\s+Flags: (.*?)\s+Version: \d+/.exec(line)))
      r.needs.at(-1)!.versions.push({ name: m[1], weak: /WEAK/.test(m[2]) });
    else if (section === 'defs' && (m = /Rev: \d+\s+Flags: (.*?)\s+Index: \d+\s+Cnt: \d+\s+Name: (\S+)/.exec(line)))
      r.defs.push({ name: m[2], base: /BASE/.test(m[1]), parents: [] });
    else if (section === 'defs' && (m = /Parent \d+: (\S+)/.exec(line))) r.defs.at(-1)!.parents.push(m[1]);
  }
  return r;
}

/** `readelf -d` NEEDED / SONAME / RUNPATH / RPATH. */
export function readelfDynamic(file: string): {
  needed: string[];
  soname?: string;
  runpath: string[];
  rpath: string[];
} {
  const out = execFileSync('readelf', ['-d', '--wide', file], { encoding: 'utf8' });
  const pick = (tag: string) =>
    [...out.matchAll(new RegExp(`\\(${tag}\\)\\s+[^\\[]*\\[([^\\]]*)\\]`, 'g'))].map((m) => m[1]);
  return {
    needed: pick('NEEDED'),
    soname: pick('SONAME')[0],
    runpath: pick('RUNPATH').flatMap((s) => s.split(':')),
    rpath: pick('RPATH').flatMap((s) => s.split(':')),
  };
}

/** `readelf -h`: class, data, machine, type, plus `readelf -l` interpreter. */
export function readelfHeader(file: string): {
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  interpreter?: string;
} {
  const h = execFileSync('readelf', ['-h', '-l', '--wide', file], { encoding: 'utf8' });
  return {
    class: /Class:\s+ELF64/.test(h) ? 64 : 32,
    endian: /little endian/.test(h) ? 'little' : 'big',
    machine: /Machine:\s+(.*)/.exec(h)![1].trim(),
    interpreter: /Requesting program interpreter: ([^\]]+)\]/.exec(h)?.[1],
  };
}
