/**
 * Per architecture: the Debian multiarch triplet, the glibc loader and the musl loader, as the image would hold them.
 */
export interface ArchFacts {
  triplet: string;
  glibcLoader: string;
  muslLoader: string;
  /** 32- or 64-bit: the loader skips libraries of the other class. */
  bits: 32 | 64;
}

export const ARCHES: Readonly<Record<string, ArchFacts>> = {
  amd64: {
    triplet: 'x86_64-linux-gnu',
    glibcLoader: '/lib64/ld-linux-x86-64.so.2',
    muslLoader: '/lib/ld-musl-x86_64.so.1',
    bits: 64,
  },
  arm64: {
    triplet: 'aarch64-linux-gnu',
    glibcLoader: '/lib/ld-linux-aarch64.so.1',
    muslLoader: '/lib/ld-musl-aarch64.so.1',
    bits: 64,
  },
  '386': {
    triplet: 'i386-linux-gnu',
    glibcLoader: '/lib/ld-linux.so.2',
    muslLoader: '/lib/ld-musl-i386.so.1',
    bits: 32,
  },
  arm: {
    triplet: 'arm-linux-gnueabihf',
    glibcLoader: '/lib/ld-linux-armhf.so.3',
    muslLoader: '/lib/ld-musl-armhf.so.1',
    bits: 32,
  },
  s390x: { triplet: 's390x-linux-gnu', glibcLoader: '/lib/ld64.so.1', muslLoader: '/lib/ld-musl-s390x.so.1', bits: 64 },
  ppc64le: {
    triplet: 'powerpc64le-linux-gnu',
    glibcLoader: '/lib64/ld64.so.2',
    muslLoader: '/lib/ld-musl-powerpc64le.so.1',
    bits: 64,
  },
  riscv64: {
    triplet: 'riscv64-linux-gnu',
    glibcLoader: '/lib/ld-linux-riscv64-lp64d.so.1',
    muslLoader: '/lib/ld-musl-riscv64.so.1',
    bits: 64,
  },
};

/** "linux/arm/v7" -> "arm". */
export function archOfPlatform(platform: string): string {
  return platform.split('/')[1] ?? platform;
}

/** The platform string a file on its own belongs to. */
export function platformOfArch(arch: string | undefined): string {
  return arch ? `linux/${arch}` : 'linux/unknown';
}
