import { environmentError, type ReleaseOperatorError } from '../errors';

/**
 * The bounds on reading an archive or a Release asset, in the shape of the product's limits table (#24's
 * src/core/limits.ts: what, default, unit, setting, why), so they move there as they are. Hitting one is an
 * environment fault (exit 3) that names the limit and how to raise it: never a hang, never a pass.
 */
export interface ArchiveLimitSpec {
  what: string;
  default: number;
  unit: 'count' | 'megabytes' | 'ratio' | 'bytes';
  /** The configuration key that raises it; none: fixed. */
  setting?: string;
  why: string;
}

const MiB = 1024 * 1024;

export const ARCHIVE_LIMITS = {
  archiveEntries: {
    what: 'entries of one archive (files, folders and links)',
    default: 50_000,
    unit: 'count',
    setting: 'limits.archiveEntries',
    why: 'Release archives and wheels hold hundreds to some thousands of entries (a CUDA wheel about 15,000); each costs time and a little memory.',
  },
  archiveMegabytes: {
    what: 'bytes one archive expands to',
    default: 8192,
    unit: 'megabytes',
    setting: 'limits.archiveMegabytes',
    why: 'The largest release archives and wheels seen expand to a few GiB; past this it is a bomb or not a release.',
  },
  archiveRatio: {
    what: 'expansion of an archive (bytes out per compressed byte), once past 16 MiB out',
    default: 200,
    unit: 'ratio',
    setting: 'limits.archiveRatio',
    why: 'Programs and libraries compress 2 to 10 times; a zip bomb expands a thousand times and more. Said within the first 16 MiB, not after gigabytes.',
  },
  assetMegabytes: {
    what: 'one Release asset downloaded',
    default: 2048,
    unit: 'megabytes',
    setting: 'limits.assetMegabytes',
    why: 'GitHub refuses assets over 2 GiB, so a larger answer is not an asset.',
  },
  zstdWindowBytes: {
    what: 'the window of a zstd frame (memory its decoder needs)',
    default: 128 * MiB,
    unit: 'bytes',
    why: "Fixed: zstd's own decoder refuses larger windows unless told (--long); a frame that asks for more is refused before the memory is taken.",
  },
} as const satisfies Record<string, ArchiveLimitSpec>;

export type ArchiveLimitName = keyof typeof ARCHIVE_LIMITS;

/** The limits in effect, in code units (counts, bytes). */
export interface ArchiveLimits {
  entries: number;
  bytes: number;
  ratio: number;
  assetBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  entries: ARCHIVE_LIMITS.archiveEntries.default,
  bytes: ARCHIVE_LIMITS.archiveMegabytes.default * MiB,
  ratio: ARCHIVE_LIMITS.archiveRatio.default,
  assetBytes: ARCHIVE_LIMITS.assetMegabytes.default * MiB,
};

/** Expansion is judged only past this many bytes out: a small file of zeros compresses a thousand times, harmlessly. */
export const RATIO_FLOOR_BYTES = 16 * MiB;

/** The limits from the configuration's `limits` section (a structural type: no config import here). */
export function archiveLimitsFrom(c: {
  archiveEntries: number;
  archiveMegabytes: number;
  archiveRatio: number;
  assetMegabytes: number;
}): ArchiveLimits {
  return {
    entries: c.archiveEntries,
    bytes: c.archiveMegabytes * MiB,
    ratio: c.archiveRatio,
    assetBytes: c.assetMegabytes * MiB,
  };
}

/** How to raise a limit, for hints. */
export function archiveRaiseHint(name: ArchiveLimitName): string {
  const spec: ArchiveLimitSpec = ARCHIVE_LIMITS[name];
  return spec.setting
    ? `If this is expected, raise it: "${spec.setting}" in release-operator.json (or the releaseOperator.${spec.setting} setting).`
    : 'This limit is fixed: an input this large is broken or hostile.';
}

/**
 * The error for a limit that was hit: an environment fault naming the limit, the value in effect and how to raise
 * it. `detail` says what was being read ("dist.tar.gz expands further").
 */
export function archiveLimitError(name: ArchiveLimitName, value: number, detail: string): ReleaseOperatorError {
  const spec: ArchiveLimitSpec = ARCHIVE_LIMITS[name];
  const shown =
    spec.unit === 'megabytes' || (spec.unit === 'bytes' && value >= MiB)
      ? `${Math.round(value / MiB)} MiB`
      : spec.unit === 'ratio'
        ? `${value}x`
        : String(value);
  const label = spec.setting ?? `fixed limit: ${spec.what}`;
  return environmentError(`${detail}: the limit of ${shown} (${label}) was reached.`, archiveRaiseHint(name));
}
