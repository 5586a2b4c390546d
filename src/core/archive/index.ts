/**
 * Archives read as they stream: tar (plain, gzip, xz, zstd), zip (Python wheels too), npm package tarballs, and one
 * gzip/xz/zstd-compressed file. Members go to a visitor one at a time; nothing is extracted to disk. Entries,
 * expanded bytes and the expansion ratio are held to the limits (src/core/archive/limits.ts) as they stream.
 */
export { walkArchive, type WalkOptions } from './read';
export { type ArchiveMember, type ArchiveSummary, type MemberVisitor } from './member';
export { READABLE_ARCHIVES, sniffContainer, type ArchiveKind } from './kind';
export { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './limits';
