/**
 * Platform names as the OCI image index means them (the `platform` object: os, architecture, variant), with
 * the defaults containerd and BuildKit apply when matching: arm64's variant is v8 unless said otherwise, 32-bit
 * arm without a variant is v7, amd64/v1 is plain amd64. Other amd64 levels (v2, v3) are different images: a v3
 * build does not run on every amd64 machine, so it does not stand in for linux/amd64.
 */
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  x86: '386',
  i386: '386',
  i686: '386',
  aarch64: 'arm64',
  armhf: 'arm/v7',
  armel: 'arm/v6',
};

export function normalizePlatform(input: string): string {
  let p = input
    .trim()
    .toLowerCase()
    .replace(/^['"]|['"]$/g, '');
  if (!p.includes('/')) p = `linux/${p}`;
  const [os, arch, ...rest] = p.split('/');
  let full = [os, ARCH_ALIASES[arch] ?? arch, ...rest].join('/');
  full = full
    .replace(/^(\w+)\/arm64\/v8$/, '$1/arm64')
    .replace(/^(\w+)\/arm$/, '$1/arm/v7')
    .replace(/^(\w+)\/amd64\/v1$/, '$1/amd64');
  return full;
}

/** `linux/amd64, linux/arm64/v8` or one per line -> normalized, in order, without repeats. */
export function splitPlatformList(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    const t = part.trim().replace(/^['"]|['"]$/g, '');
    if (!t) continue;
    const n = normalizePlatform(t);
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** True when `p` is an expression or a variable we cannot resolve here. */
export function isUnresolved(p: string): boolean {
  return /\$\{\{|\$[A-Za-z{(]/.test(p);
}
