import { DEFAULT_LIMITS, type Limits } from '../limits';

/** The limits an archive is read within (src/core/limits.ts: limits.archive*, limits.assetMegabytes). */
export type ArchiveLimits = Pick<Limits, 'archiveEntries' | 'archiveBytes' | 'archiveRatio' | 'assetBytes'>;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  archiveEntries: DEFAULT_LIMITS.archiveEntries,
  archiveBytes: DEFAULT_LIMITS.archiveBytes,
  archiveRatio: DEFAULT_LIMITS.archiveRatio,
  assetBytes: DEFAULT_LIMITS.assetBytes,
};

/** Expansion is judged only past this many bytes out: a small file of zeros compresses a thousand times, harmlessly. */
export const RATIO_FLOOR_BYTES = 16 * 1024 * 1024;
