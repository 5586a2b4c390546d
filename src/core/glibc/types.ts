import type { ArchiveSummary } from '../archive';
import type { GlibcTarget } from './policy';
import type { WheelClaim } from './wheel';

export type Severity = 'error' | 'warning' | 'note';

/** One thing the check says about a binary or a platform; `code` is stable for machines. */
export interface Finding {
  severity: Severity;
  code:
    | 'missing-version'
    | 'weak-version'
    | 'exceeds-target'
    | 'exceeds-tag'
    | 'glibc-private'
    | 'libc-mismatch'
    | 'missing-loader'
    | 'missing-library'
    | 'wrong-architecture'
    | 'unreadable'
    | 'static'
    | 'missing-entrypoint'
    | 'no-entrypoint'
    | 'no-runtime'
    | 'no-target'
    | 'unchecked-versions';
  message: string;
}

/** A version a binary (or a library it loads) needs and the runtime lacks. */
export interface MissingVersion {
  /** The library the version is needed from, e.g. libc.so.6. */
  library: string;
  version: string;
  /** The object that needs it: the binary itself or one of its libraries. */
  neededBy: string;
  weak: boolean;
}

export interface LibraryNeedResult {
  library: string;
  /** Where the runtime's copy was found (image checks only). */
  resolved?: string;
  versions: string[];
  weak: string[];
}

export interface BinaryResult {
  path: string;
  kind: 'dynamic' | 'static' | 'unreadable';
  libc: 'glibc' | 'musl' | 'none' | 'unknown';
  arch?: string;
  interpreter?: string;
  /** Highest GLIBC_x.y the binary and its non-glibc libraries need. */
  required?: string;
  /** What the binary itself needs, per library (GLIBC_*, GLIBCXX_*, GCC_*, OPENSSL_*...). */
  needs: LibraryNeedResult[];
  missing: MissingVersion[];
  findings: Finding[];
  ok: boolean;
}

export interface PlatformResult {
  platform: string;
  /** The image reference or local path checked. */
  source: string;
  /** glibc version of the runtime (the libc.so.6 the image would load), when there is one. */
  provided?: string;
  libc?: 'glibc' | 'musl' | 'none';
  target?: GlibcTarget;
  /** Highest glibc any checked binary needs. */
  required?: string;
  ok: boolean;
  binaries: BinaryResult[];
  findings: Finding[];
}

/** A file or folder that exists and could not be read (permissions, I/O): the check cannot vouch for it. */
export interface UnreadablePath {
  path: string;
  /** The error code or message: EACCES, EIO. */
  reason: string;
}

/** What an archive held, as the glibc check reports it. */
export interface ArchiveResult extends ArchiveSummary {
  /** ELF programs and shared objects read (object files and the like are not counted: never loaded). */
  elfFiles: number;
  /** Members that are archives themselves: not opened (one level is read). */
  nested: string[];
  /** A wheel's platform tag, and the glibc it promises. */
  wheel?: WheelClaim;
}

export interface GlibcReport {
  target: string;
  /** False on drift, on any error finding, and when anything could not be read. */
  ok: boolean;
  platforms: PlatformResult[];
  /**
   * What could not be read. Not empty: the verdict is an environment fault (exit 3), never a pass, whatever the
   * files that were read say.
   */
  unreadable: UnreadablePath[];
  /** The archive read, when the target was one: its kind, entries and what was not read. */
  archive?: ArchiveResult;
}
