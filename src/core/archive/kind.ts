/** What a file's first bytes say it is, before anything is decompressed. */
export type Container =
  | { type: 'zip' }
  | { type: 'tar' }
  | { type: 'compressed'; compression: Compression }
  | { type: 'unsupported'; name: string }
  | { type: 'elf' }
  | { type: 'other' };

export type Compression = 'gzip' | 'xz' | 'zstd';

/** How an archive was read, for reports: tar, tar.gz, tar.xz, tar.zst, zip, or one compressed file (gz, xz, zst). */
export type ArchiveKind = 'tar' | 'tar.gz' | 'tar.xz' | 'tar.zst' | 'zip' | 'gz' | 'xz' | 'zst';

/** Bytes to read before deciding: a tar header is 512 bytes, with "ustar" at 257. */
export const SNIFF_BYTES = 512;

const starts = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** True when a tar header starts here: "ustar" at 257 (POSIX ustar and GNU tar both write it). */
export function isTarHeader(head: Uint8Array): boolean {
  return starts(head, [0x75, 0x73, 0x74, 0x61, 0x72], 257);
}

/** The container a file's first bytes (up to SNIFF_BYTES) announce; names are never trusted for this. */
export function sniffContainer(head: Uint8Array): Container {
  if (starts(head, [0x7f, 0x45, 0x4c, 0x46])) return { type: 'elf' };
  // Local file header, or the end record of an empty zip.
  if (starts(head, [0x50, 0x4b, 0x03, 0x04]) || starts(head, [0x50, 0x4b, 0x05, 0x06])) return { type: 'zip' };
  if (starts(head, [0x1f, 0x8b])) return { type: 'compressed', compression: 'gzip' };
  if (starts(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return { type: 'compressed', compression: 'xz' };
  if (starts(head, [0x28, 0xb5, 0x2f, 0xfd])) return { type: 'compressed', compression: 'zstd' };
  if (isTarHeader(head)) return { type: 'tar' };
  if (starts(head, [0x42, 0x5a, 0x68])) return { type: 'unsupported', name: 'bzip2' };
  if (starts(head, [0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a])) return { type: 'unsupported', name: 'ar' };
  if (starts(head, [0xed, 0xab, 0xee, 0xdb])) return { type: 'unsupported', name: 'RPM' };
  if (starts(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return { type: 'unsupported', name: '7-Zip' };
  return { type: 'other' };
}

/** The kind of a compressed stream once its content is known to be a tar or a single file. */
export function compressedKind(compression: Compression, tar: boolean): ArchiveKind {
  const ext = compression === 'gzip' ? 'gz' : compression === 'xz' ? 'xz' : 'zst';
  return tar ? (`tar.${ext}` as ArchiveKind) : ext;
}

/** The name of the one file in a compressed single file: tool-linux.gz -> tool-linux. */
export function singleMemberName(archiveName: string): string {
  const base = archiveName.slice(archiveName.lastIndexOf('/') + 1);
  const stripped = base.replace(/\.(gz|xz|zst|zstd)$/i, '');
  return stripped && stripped !== base ? stripped : `${base}.out`;
}

/** What the reader accepts, for messages. */
export const READABLE_ARCHIVES =
  '.tar, .tar.gz/.tgz, .tar.xz, .tar.zst, .zip, .whl, or one gzip/xz/zstd-compressed file';
