import { compareDotted } from '../elf';

/**
 * Toolchain images whose glibc is known, oldest first: a binary linked in one runs wherever that glibc or a newer
 * one is. Advice for next actions (the glibc of each is in policy.ts with its source).
 */
const BUILDERS: ReadonlyArray<{ glibc: string; images: string }> = [
  { glibc: '2.17', images: 'quay.io/pypa/manylinux2014_x86_64 (or _aarch64)' },
  { glibc: '2.28', images: 'quay.io/pypa/manylinux_2_28_x86_64 (or _aarch64), almalinux:8' },
  { glibc: '2.31', images: 'rust:1-bullseye, node:20-bullseye, debian:bullseye, ubuntu:20.04' },
  { glibc: '2.34', images: 'quay.io/pypa/manylinux_2_34_x86_64, almalinux:9' },
  { glibc: '2.35', images: 'ubuntu:22.04' },
  { glibc: '2.36', images: 'rust:1-bookworm, node:20-bookworm, debian:bookworm' },
];

/** Builder images whose glibc is at most `glibc` (the newest that fit first), for "build in ..." advice. */
function toolchainImagesFor(glibc: string): string | undefined {
  const fit = BUILDERS.filter((b) => compareDotted(b.glibc, glibc) <= 0);
  return fit.length ? fit[fit.length - 1].images : undefined;
}

/** The advice itself: build where the glibc is old enough, then check the artifact before it ships. */
export function buildAdvice(glibc: string): string {
  const images = toolchainImagesFor(glibc);
  return `Build in a toolchain image whose glibc is at most ${glibc}${images ? ` (e.g. ${images})` : ''}, or link statically`;
}
