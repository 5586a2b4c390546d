import { compareDotted } from '../elf';
import { policyGlibc } from './policy';

/** What a Python wheel's file name promises about where its binaries run (PEP 427 name, PEP 600 platform tags). */
export type WheelClaim =
  | { os: 'linux-glibc'; tag: string; glibc: string; arch?: string }
  | { os: 'linux-musl'; tag: string }
  | { os: 'linux'; tag: string }
  | { os: 'other'; tag: string }
  | { os: 'any'; tag: string };

const ARCH: Record<string, string> = {
  x86_64: 'amd64',
  i686: '386',
  aarch64: 'arm64',
  armv7l: 'arm',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/**
 * The platform tags of a wheel name (`name-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`). A
 * wheel tagged for several glibc floors claims to run on each, so the lowest is its promise.
 */
export function wheelClaim(fileName: string): WheelClaim | undefined {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  if (!/\.whl$/i.test(base)) return undefined;
  const parts = base.slice(0, -4).split('-');
  if (parts.length < 5) return undefined;
  const tags = parts[parts.length - 1].split('.');
  const tag = parts[parts.length - 1];
  if (tags.every((t) => t === 'any')) return { os: 'any', tag };
  let best: { glibc: string; arch?: string } | undefined;
  for (const t of tags) {
    const m = /^(manylinux(?:1|2010|2014|_\d+_\d+))_(\w+)$/.exec(t);
    if (!m) continue;
    const glibc = policyGlibc(m[1]);
    if (glibc && (!best || compareDotted(glibc, best.glibc) < 0)) best = { glibc, arch: ARCH[m[2]] };
  }
  if (best) return { os: 'linux-glibc', tag, ...best };
  if (tags.some((t) => t.startsWith('musllinux_'))) return { os: 'linux-musl', tag };
  if (tags.some((t) => t.startsWith('linux_'))) return { os: 'linux', tag };
  return { os: 'other', tag };
}
