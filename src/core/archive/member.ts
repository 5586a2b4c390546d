import path from 'node:path';
import type { ArchiveKind } from './kind';

/** One entry of an archive. Its path is only ever a name (normalized, relative, `..` clamped): never a host path. */
export interface ArchiveMember {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'link' | 'other';
  /** Bytes of a file as the archive declares them (the stream is held to it); undefined when it does not say. */
  size?: number;
  mode: number;
}

/**
 * Called for each member in archive order. A file's body is its bytes as they stream; whatever the visitor does not
 * read is skipped after it returns, so it may stop early.
 */
export type MemberVisitor = (member: ArchiveMember, body: AsyncIterable<Buffer> | undefined) => Promise<void>;

/** What one archive held, for reports. */
export interface ArchiveSummary {
  /** The archive as named in reports (a path as given, or an asset name). */
  name: string;
  kind: ArchiveKind;
  entries: number;
  /** Bytes it expanded to. */
  bytes: number;
  /** Members that could not be read (encrypted, an unknown compression method), with why. */
  unread: Array<{ path: string; reason: string }>;
}

/** A member path as a key: relative, normalized, `..` clamped at the archive's root. */
export function memberPath(name: string): string {
  const n = path.posix.normalize('/' + name.replace(/\\/g, '/')).slice(1);
  return n.endsWith('/') ? n.slice(0, -1) : n;
}
