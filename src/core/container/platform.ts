import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { usageError } from '../errors';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const PLATFORM_RE = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

export function parsePlatform(text: string): Platform {
  const m = PLATFORM_RE.exec(text.trim().toLowerCase());
  if (!m)
    throw usageError(
      `'${text}' is not a platform.`,
      'Write a platform as os/architecture[/variant], e.g. linux/amd64 or linux/arm64.',
    );
  return { os: m[1], architecture: m[2], variant: m[3] };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Node's and the kernel's names for an architecture, in OCI terms. */
function ociArchitecture(name: string): string {
  const map: Record<string, string> = {
    x64: 'amd64',
    x86_64: 'amd64',
    aarch64: 'arm64',
    ia32: '386',
    i386: '386',
    i686: '386',
    armv7l: 'arm',
  };
  return map[name] ?? name;
}

/** Whether an image's Os/Architecture/Variant is the platform asked for (a missing variant matches; arm64 means v8). */
export function samePlatform(wanted: Platform, actual: Platform): boolean {
  if (wanted.os !== actual.os || wanted.architecture !== ociArchitecture(actual.architecture)) return false;
  if (!wanted.variant || !actual.variant) return true;
  return wanted.variant === actual.variant;
}

/** Platforms a host of this architecture runs without an emulator. */
export function runsNatively(hostArch: string, p: Platform): boolean {
  const host = ociArchitecture(hostArch);
  if (p.architecture === host) return true;
  return (host === 'amd64' && p.architecture === '386') || (host === 'arm64' && p.architecture === 'arm');
}

/** The name QEMU's binfmt handler is registered under for an architecture (qemu-<name>). */
function qemuName(architecture: string): string {
  const map: Record<string, string> = {
    amd64: 'x86_64',
    arm64: 'aarch64',
    arm: 'arm',
    '386': 'i386',
    ppc64le: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    mips64le: 'mips64el',
  };
  return map[architecture] ?? architecture;
}

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';

export type BinfmtState =
  | { registered: true; interpreter?: string }
  | { registered: false; reason: string }
  | { registered: 'unknown'; reason: string };

/**
 * Is a QEMU handler registered (and enabled) for the platform? Read from the binfmt_misc folder of the machine
 * Docker runs on; where that folder does not exist (a remote daemon, Docker Desktop) the answer is unknown and
 * the run itself finds out (exec format error).
 */
export async function binfmtState(p: Platform, dir = BINFMT_DIR): Promise<BinfmtState> {
  const file = path.join(dir, `qemu-${qemuName(p.architecture)}`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const status = await readFile(path.join(dir, 'status'), 'utf8').catch(() => undefined);
    if (status === undefined) return { registered: 'unknown', reason: `${dir} is not readable here` };
    return {
      registered: false,
      reason: `no QEMU handler for ${p.architecture} is registered (${file} does not exist)`,
    };
  }
  if (!/^enabled/m.test(text))
    return { registered: false, reason: `the QEMU handler for ${p.architecture} is registered but disabled (${file})` };
  return { registered: true, interpreter: /^interpreter\s+(\S+)/m.exec(text)?.[1] };
}
