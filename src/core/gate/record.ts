import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { environmentError } from '../errors';
import { writeFileAtomic } from '../files';
import type { GateRecord, TestedPlatform } from './types';

/**
 * The record pre-push leaves for post-push: per platform, the image config digest smoke ran. It is the only
 * state a gate keeps between stages. In one job it lives under RUNNER_TEMP; across runners (one job per
 * platform) each pre-push writes a file of its own into the folder, the workflow carries the folder as an
 * artifact, and post-push reads every file in it.
 */

const MAX_RECORD_BYTES = 1024 * 1024;

/** The default place: a folder under RUNNER_TEMP on a runner, else under the system's temporary folder. */
export function defaultRecordPath(env: NodeJS.ProcessEnv, tmpdir: string): string {
  return path.join(env.RUNNER_TEMP || tmpdir, 'release-operator', 'gate-records');
}

/** Writes a record: into `target` when it is a folder (or has no extension), else as that file. */
export async function writeRecord(target: string, record: GateRecord): Promise<string> {
  const isFile = path.extname(target) === '.json' && !(await stat(target).catch(() => undefined))?.isDirectory();
  const slug = record.platforms.map((p) => p.platform.replace(/\//g, '-')).join('+') || 'none';
  // The repository's last part too: several images of one release write into one folder.
  const repo = (record.image.split('/').at(-1) ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
  const file = isFile ? target : path.join(target, `pre-push-${repo ? `${repo}-` : ''}${slug}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
  return file;
}

export interface RecordLookup {
  /** Per platform what was tested, from the records that match the image (and the version when both say). */
  tested: Map<string, TestedPlatform & { file: string; flow: GateRecord['flow']; recordedAt: string }>;
  /** Files read, for the report. */
  files: string[];
  /** Records left out, and why (another image or version, unreadable). */
  skipped: string[];
}

/** Reads every record at `target` (a file, or the .json files of a folder); none there is an empty lookup. */
export async function readRecords(target: string, want: { image: string; version?: string }): Promise<RecordLookup> {
  const lookup: RecordLookup = { tested: new Map(), files: [], skipped: [] };
  const st = await stat(target).catch(() => undefined);
  if (!st) return lookup;
  const files = st.isDirectory()
    ? (await readdir(target))
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  for (const file of files) {
    let record: GateRecord;
    try {
      const fst = await stat(file);
      if (!fst.isFile() || fst.size > MAX_RECORD_BYTES) {
        lookup.skipped.push(`${file}: not a regular file of at most 1 MiB`);
        continue;
      }
      record = parseRecord(await readFile(file, 'utf8'), file);
    } catch (e) {
      lookup.skipped.push(`${file}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (record.image !== want.image) {
      lookup.skipped.push(`${file}: about ${record.image}, not ${want.image}`);
      continue;
    }
    if (want.version && record.version && record.version !== want.version) {
      lookup.skipped.push(`${file}: about version ${record.version}, not ${want.version}`);
      continue;
    }
    lookup.files.push(file);
    for (const p of record.platforms) {
      const before = lookup.tested.get(p.platform);
      // Several runs of pre-push for one platform: the latest one stands.
      if (!before || before.recordedAt < record.recordedAt)
        lookup.tested.set(p.platform, { ...p, file, flow: record.flow, recordedAt: record.recordedAt });
    }
  }
  return lookup;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function parseRecord(text: string, file: string): GateRecord {
  const bad = (why: string) =>
    environmentError(`${file} is not a gate record (${why}).`, 'Run the pre-push stage again to write it.');
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  const r = j as Partial<GateRecord>;
  if (r?.schema !== 'release-operator/gate-record@1') throw bad('no release-operator/gate-record@1 schema');
  if (typeof r.image !== 'string' || !Array.isArray(r.platforms)) throw bad('no image or platforms');
  for (const p of r.platforms as Partial<TestedPlatform>[])
    if (typeof p?.platform !== 'string' || typeof p.configDigest !== 'string' || !DIGEST.test(p.configDigest))
      throw bad('a platform without a sha256 config digest');
  return r as GateRecord;
}
