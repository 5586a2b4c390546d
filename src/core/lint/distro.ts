/**
 * Which distribution release (and so which C library) an image tag stands for. This is a small, dated
 * knowledge table, not a registry query: lint runs offline and in the editor. Sources and assumptions:
 *  - glibc per release: Debian buster 2.28, bullseye 2.31, bookworm 2.36, trixie 2.41 (packages.debian.org
 *    "libc6"); Ubuntu 18.04 2.27, 20.04 2.31, 22.04 2.35, 24.04 2.39, 24.10 2.40, 25.04 2.41 (packages.ubuntu.com).
 *  - Docker official images (docker-library) move their unsuffixed tags to a new Debian stable when it is
 *    released, for the versions still maintained then. Debian 13 trixie was released 2025-08-09, so:
 *    rust >= 1.89 and golang >= 1.24 resolve to trixie, older ones stayed on bookworm (rust 1.67-1.88,
 *    golang 1.20-1.23) and bullseye before that. node kept bookworm as its default (node:22 -> bookworm).
 *    python >= 3.9 moved to trixie. Re-check these when a new Debian stable ships.
 *  - gcr.io/distroless/*-debianNN names its release; unsuffixed distroless names meant debian12 at the time of
 *    writing. `scratch` and distroless `static` have no C library, so there is nothing to drift from.
 * Anything not in this table is "unknown" and the rules that need a release stay silent about it.
 */
export type Libc = 'glibc' | 'musl' | 'none';

export interface DistroRelease {
  family: 'debian' | 'ubuntu' | 'alpine' | 'none';
  /** Codename or version: bookworm, 24.04, 3.20. */
  release: string;
  libc: Libc;
  /** glibc version for glibc releases, e.g. "2.36". */
  glibc?: string;
  /** True when the tag itself names the release; false when it is whatever the tag points at today. */
  pinned: boolean;
}

export const DEBIAN: Record<string, { number: string; glibc: string }> = {
  buster: { number: '10', glibc: '2.28' },
  bullseye: { number: '11', glibc: '2.31' },
  bookworm: { number: '12', glibc: '2.36' },
  trixie: { number: '13', glibc: '2.41' },
};
const DEBIAN_STABLE = 'trixie';

export const UBUNTU: Record<string, { codename: string; glibc: string }> = {
  '18.04': { codename: 'bionic', glibc: '2.27' },
  '20.04': { codename: 'focal', glibc: '2.31' },
  '22.04': { codename: 'jammy', glibc: '2.35' },
  '24.04': { codename: 'noble', glibc: '2.39' },
  '24.10': { codename: 'oracular', glibc: '2.40' },
  '25.04': { codename: 'plucky', glibc: '2.41' },
};
const UBUNTU_LATEST = '24.04';

/** Official images built on Debian that publish `-<codename>` variants; unsuffixed tags resolve per version. */
const OFFICIAL_DEBIAN_BASED: Record<string, (version: number[]) => string> = {
  rust: ([maj, min]) => (maj > 1 || min >= 89 ? 'trixie' : min >= 67 ? 'bookworm' : 'bullseye'),
  golang: ([maj, min]) => (maj > 1 || min >= 24 ? 'trixie' : min >= 20 ? 'bookworm' : 'bullseye'),
  node: ([maj]) => (maj >= 18 ? 'bookworm' : 'bullseye'),
  python: ([maj, min]) => (maj > 3 || min >= 9 ? 'trixie' : 'bullseye'),
  'buildpack-deps': () => DEBIAN_STABLE,
};

const debian = (codename: string, pinned: boolean): DistroRelease => ({
  family: 'debian',
  release: codename,
  libc: 'glibc',
  glibc: DEBIAN[codename].glibc,
  pinned,
});
const ubuntu = (version: string, pinned: boolean): DistroRelease => ({
  family: 'ubuntu',
  release: version,
  libc: 'glibc',
  glibc: UBUNTU[version].glibc,
  pinned,
});

/** Docker Hub short names: `library/rust` and `docker.io/library/rust` are `rust`. */
export function shortName(name: string): string {
  return name
    .replace(/^(?:docker\.io\/|index\.docker\.io\/|registry-1\.docker\.io\/)?(?:library\/)?/, '')
    .toLowerCase();
}

export function distroOf(name: string, tag: string | undefined): DistroRelease | undefined {
  const n = shortName(name);
  const t = (tag ?? 'latest').toLowerCase();
  if (n === 'scratch') return { family: 'none', release: 'scratch', libc: 'none', pinned: true };

  const distroless = /^gcr\.io\/distroless\/([a-z-]+?)(?:-debian(\d+))?$/.exec(n);
  if (distroless) {
    if (distroless[1] === 'static') return { family: 'none', release: 'distroless-static', libc: 'none', pinned: true };
    const codename = Object.keys(DEBIAN).find((c) => DEBIAN[c].number === (distroless[2] ?? '12'));
    return codename ? debian(codename, Boolean(distroless[2])) : undefined;
  }

  // A codename or alpine anywhere in the tag names the release for every image (rust:1.91-bookworm,
  // node:22-alpine3.20).
  const codename = Object.keys(DEBIAN).find((c) => new RegExp(`(^|[-_.])${c}($|[-_.])`).test(t));
  if (codename && n !== 'ubuntu') return debian(codename, true);
  const alpine = /(?:^|-)alpine(\d+\.\d+)?/.exec(t);
  if (alpine) return { family: 'alpine', release: alpine[1] ?? 'latest', libc: 'musl', pinned: Boolean(alpine[1]) };

  if (n === 'debian') {
    const byNumber = Object.keys(DEBIAN).find(
      (c) => t === DEBIAN[c].number || t.startsWith(`${DEBIAN[c].number}-`) || t.startsWith(`${DEBIAN[c].number}.`),
    );
    if (byNumber) return debian(byNumber, true);
    if (/^(latest|stable|stable-slim)$/.test(t)) return debian(DEBIAN_STABLE, false);
    return undefined;
  }
  if (n === 'ubuntu') {
    const version = Object.keys(UBUNTU).find(
      (v) => t === v || t.startsWith(`${v}`) || t.startsWith(UBUNTU[v].codename),
    );
    if (version) return ubuntu(version, true);
    if (/^(latest|rolling)$/.test(t)) return ubuntu(UBUNTU_LATEST, false);
    return undefined;
  }
  if (n === 'alpine') {
    const v = /^(\d+\.\d+)/.exec(t);
    return { family: 'alpine', release: v ? v[1] : 'latest', libc: 'musl', pinned: Boolean(v) };
  }
  const official = OFFICIAL_DEBIAN_BASED[n];
  if (official) {
    if (t === 'latest') return debian(official([99, 99]), false);
    const v = /^(\d+)(?:\.(\d+))?/.exec(t);
    if (!v) return undefined;
    return debian(official([Number(v[1]), v[2] === undefined ? 99 : Number(v[2])]), false);
  }
  return undefined;
}

/** Compares dotted versions numerically: 2.39 > 2.36. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Images whose tags take a `-<codename>` suffix, so a builder can be pinned to the runtime's Debian. */
export function hasCodenameVariants(name: string): boolean {
  return shortName(name) in OFFICIAL_DEBIAN_BASED;
}

export function describeRelease(d: DistroRelease): string {
  if (d.family === 'debian') return `Debian ${d.release} (glibc ${d.glibc})`;
  if (d.family === 'ubuntu') return `Ubuntu ${d.release} (glibc ${d.glibc})`;
  if (d.family === 'alpine') return `Alpine ${d.release} (musl)`;
  return d.release;
}
