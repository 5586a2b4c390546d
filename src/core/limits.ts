import { environmentError, type ReleaseOperatorError } from './errors';

/**
 * Every bound on what comes from outside (registries, GitHub, the files of a repository or an image), in one table.
 * A gate runs unattended against servers and files it does not control: each input has a limit, and hitting one is
 * an environment fault (exit 3) whose message names the limit and how to raise it, never a hang, never a pass.
 * Limits a user may need to raise have a setting (`setting`, a dotted key of release-operator.json and of the
 * `releaseOperator.*` settings); the rest are fixed by a spec or by memory. docs/reliability.md lists them all (a
 * test keeps it in step with this table).
 */
export interface LimitSpec {
  /** What is bounded, as a noun phrase: "pages of one listing (tags, referrers)". */
  what: string;
  default: number;
  unit: 'count' | 'seconds' | 'bytes' | 'megabytes' | 'ratio';
  /** The configuration key that raises it; none: fixed. */
  setting?: string;
  /** Why fixed, or why this default. */
  why: string;
}

const MiB = 1024 * 1024;

export const LIMITS = {
  listingPages: {
    what: 'pages of one listing (tags, referrers)',
    default: 1000,
    unit: 'count',
    setting: 'limits.listingPages',
    why: 'ghcr.io pages 100 tags at a time; 1000 pages is 100,000 tags. A registry that always sends another page ends here.',
  },
  listingItems: {
    what: 'tags of one tag listing',
    default: 100_000,
    unit: 'count',
    setting: 'limits.listingItems',
    why: 'Keeps a listing in memory bounded whatever the page size.',
  },
  requestsPerOperation: {
    what: 'registry requests of one operation (a command, or an action in the editor)',
    default: 25_000,
    unit: 'count',
    setting: 'limits.requestsPerOperation',
    why: '`tags` asks once per tag; 25,000 covers the largest repositories seen and stops a fan-out without end.',
  },
  indexChildren: {
    what: 'manifests in one image index',
    default: 1000,
    unit: 'count',
    setting: 'limits.indexChildren',
    why: 'Real indexes hold a few platforms and their attestations; each child may cost requests.',
  },
  requestSeconds: {
    what: 'time for one registry request, headers and body',
    default: 30,
    unit: 'seconds',
    setting: 'registry.timeoutSeconds',
    why: 'A loopback or ghcr.io answer takes milliseconds; a body that drips is cut here (then retried).',
  },
  githubRequestSeconds: {
    what: 'time for one GitHub API request, headers and body',
    default: 30,
    unit: 'seconds',
    setting: 'github.timeoutSeconds',
    why: 'GitHub answers in well under a second; an Enterprise server may need more.',
  },
  operationSeconds: {
    what: 'time for the registry and GitHub requests of one operation (retries and waits included)',
    default: 600,
    unit: 'seconds',
    setting: 'limits.operationSeconds',
    why: 'Ten minutes is far beyond any listing or log seen; nothing waits longer than this in silence.',
  },
  retryWaitSeconds: {
    what: 'total wait between the retries of one request (Retry-After, rate-limit resets, backoff)',
    default: 60,
    unit: 'seconds',
    setting: 'limits.retryWaitSeconds',
    why: 'A server that asks for a longer wait fails at once, naming the wait it asked for (registry and GitHub alike).',
  },
  documentMegabytes: {
    what: 'one image config, tag-list page or GitHub API answer',
    default: 16,
    unit: 'megabytes',
    setting: 'limits.documentMegabytes',
    why: 'A config with a long history is a few hundred KiB and a page of 10,000 tags about 1 MiB.',
  },
  logMegabytes: {
    what: 'log text read by one command (a job log, or every job log of a run unzipped)',
    default: 16,
    unit: 'megabytes',
    setting: 'limits.logMegabytes',
    why: 'Logs are kept in memory to split them by step and shown whole (about 200,000 lines); what is past the limit is not read and the cut is said.',
  },
  files: {
    what: 'files of one checked tree (a folder, or the merged filesystem of an image)',
    default: 300_000,
    unit: 'count',
    setting: 'limits.files',
    why: 'Large images hold 100,000 to 200,000 files; each costs memory while the image is checked.',
  },
  archiveEntries: {
    what: 'entries of one archive (a Release asset, a wheel, a tarball given to glibc)',
    default: 50_000,
    unit: 'count',
    setting: 'limits.archiveEntries',
    why: 'Release archives and wheels hold hundreds to some thousands of entries (a CUDA wheel about 15,000); each costs time.',
  },
  archiveMegabytes: {
    what: 'bytes one archive expands to',
    default: 8192,
    unit: 'megabytes',
    setting: 'limits.archiveMegabytes',
    why: 'The largest release archives and wheels seen expand to a few GiB; past this it is a bomb or not a release.',
  },
  archiveRatio: {
    what: 'expansion of an archive (bytes out per compressed byte), judged past its first 16 MiB',
    default: 200,
    unit: 'ratio',
    setting: 'limits.archiveRatio',
    why: 'Programs and libraries compress 2 to 10 times; a zip bomb expands a thousand times and more, said within its first 16 MiB.',
  },
  assetMegabytes: {
    what: 'one Release asset downloaded',
    default: 2048,
    unit: 'megabytes',
    setting: 'limits.assetMegabytes',
    why: 'GitHub refuses assets over 2 GiB, so a larger answer is not an asset.',
  },
  zstdWindowBytes: {
    what: 'the window of one zstd frame (memory its decoder takes)',
    default: 128 * MiB,
    unit: 'bytes',
    why: "Fixed: zstd's own decoder refuses larger windows unless told (--long); a frame that asks for more is refused before the memory is taken.",
  },
  manifestBytes: {
    what: 'one manifest or index',
    default: 4 * MiB,
    unit: 'bytes',
    why: 'Fixed: containerd and the distribution registry refuse larger manifests, so no real one is larger.',
  },
  repositoryFileBytes: {
    what: 'one file read from the repository (release-operator.json, a workflow, a version file)',
    default: 1 * MiB,
    unit: 'bytes',
    why: 'Fixed: these files are a few KiB; a larger one is not what it claims to be.',
  },
  elfBytes: {
    what: 'one ELF file parsed by the glibc check',
    default: 1024 * MiB,
    unit: 'bytes',
    why: 'Fixed: no real program is larger; a larger one is reported unreadable, not skipped.',
  },
  logFiles: {
    what: 'files in one run-log archive',
    default: 1000,
    unit: 'count',
    why: 'Fixed: GitHub allows 256 jobs per run and writes a few files per job.',
  },
  logLineChars: {
    what: 'characters of one log line shown',
    default: 64 * 1024,
    unit: 'count',
    why: 'Fixed: a longer line is clipped and the clip is said on it; the lines of one command together cost at least 32 bytes each of limits.logMegabytes.',
  },
  githubListPages: {
    what: 'pages of 100 read of one GitHub list (the jobs of a run, the Releases of a repository)',
    default: 10,
    unit: 'count',
    why: 'Fixed: GitHub allows 256 jobs per run; 1000 Releases is more than any repository audited here has.',
  },
  redirects: {
    what: 'redirects followed for one request',
    default: 5,
    unit: 'count',
    why: 'Fixed: a registry redirects a blob once, to its storage.',
  },
  librariesPerBinary: {
    what: 'libraries loaded for one binary by the glibc check',
    default: 1024,
    unit: 'count',
    why: 'Fixed: real programs load tens; past the limit the binary is reported as not fully checked.',
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

/** The limits in effect, in the units code uses (counts, milliseconds, bytes). */
export interface Limits {
  listingPages: number;
  listingItems: number;
  requestsPerOperation: number;
  indexChildren: number;
  requestMs: number;
  githubRequestMs: number;
  operationMs: number;
  retryWaitMs: number;
  documentBytes: number;
  logBytes: number;
  files: number;
  archiveEntries: number;
  archiveBytes: number;
  archiveRatio: number;
  assetBytes: number;
}

/** The parts of the configuration that set limits (a structural type, so this module needs no config import). */
export interface LimitSettings {
  limits: {
    listingPages: number;
    listingItems: number;
    requestsPerOperation: number;
    indexChildren: number;
    operationSeconds: number;
    retryWaitSeconds: number;
    documentMegabytes: number;
    logMegabytes: number;
    files: number;
    archiveEntries: number;
    archiveMegabytes: number;
    archiveRatio: number;
    assetMegabytes: number;
  };
  registry: { timeoutSeconds: number };
  github: { timeoutSeconds: number };
}

export function limitsFrom(c: LimitSettings): Limits {
  return {
    listingPages: c.limits.listingPages,
    listingItems: c.limits.listingItems,
    requestsPerOperation: c.limits.requestsPerOperation,
    indexChildren: c.limits.indexChildren,
    requestMs: c.registry.timeoutSeconds * 1000,
    githubRequestMs: c.github.timeoutSeconds * 1000,
    operationMs: c.limits.operationSeconds * 1000,
    retryWaitMs: c.limits.retryWaitSeconds * 1000,
    documentBytes: c.limits.documentMegabytes * MiB,
    logBytes: c.limits.logMegabytes * MiB,
    files: c.limits.files,
    archiveEntries: c.limits.archiveEntries,
    archiveBytes: c.limits.archiveMegabytes * MiB,
    archiveRatio: c.limits.archiveRatio,
    assetBytes: c.limits.assetMegabytes * MiB,
  };
}

/** The defaults, for code used without a configuration (library callers, tests). */
export const DEFAULT_LIMITS: Limits = limitsFrom({
  limits: {
    listingPages: LIMITS.listingPages.default,
    listingItems: LIMITS.listingItems.default,
    requestsPerOperation: LIMITS.requestsPerOperation.default,
    indexChildren: LIMITS.indexChildren.default,
    operationSeconds: LIMITS.operationSeconds.default,
    retryWaitSeconds: LIMITS.retryWaitSeconds.default,
    documentMegabytes: LIMITS.documentMegabytes.default,
    logMegabytes: LIMITS.logMegabytes.default,
    files: LIMITS.files.default,
    archiveEntries: LIMITS.archiveEntries.default,
    archiveMegabytes: LIMITS.archiveMegabytes.default,
    archiveRatio: LIMITS.archiveRatio.default,
    assetMegabytes: LIMITS.assetMegabytes.default,
  },
  registry: { timeoutSeconds: LIMITS.requestSeconds.default },
  github: { timeoutSeconds: LIMITS.githubRequestSeconds.default },
});

/** A limit's value for a person: "1000", "16 MiB", "30 s". */
export function formatLimit(value: number, unit: LimitSpec['unit']): string {
  if (unit === 'seconds') return `${value} s`;
  if (unit === 'megabytes') return `${value} MiB`;
  if (unit === 'bytes') return value >= MiB ? `${value / MiB} MiB` : `${value} bytes`;
  if (unit === 'ratio') return `${value}x`;
  return String(value);
}

/** How to raise a limit, for hints. */
export function raiseHint(name: LimitName): string {
  const spec: LimitSpec = LIMITS[name];
  return spec.setting
    ? `If this is expected, raise it: "${spec.setting}" in release-operator.json (or the releaseOperator.${spec.setting} setting).`
    : 'This limit is fixed: an input this large is broken or hostile.';
}

/**
 * The error for a limit that was hit: an environment fault (exit 3) naming the limit, the value in effect (in code
 * units: bytes, milliseconds, counts) and how to raise it. `detail` says what was being read ("the tag list of
 * ghcr.io/o/n").
 */
export function limitError(name: LimitName, value: number, detail: string): ReleaseOperatorError {
  const spec: LimitSpec = LIMITS[name];
  const shown =
    spec.unit === 'megabytes'
      ? formatLimit(Math.round(value / MiB), 'megabytes')
      : spec.unit === 'seconds'
        ? formatLimit(Math.round(value / 1000), 'seconds')
        : formatLimit(value, spec.unit);
  const label = spec.setting ?? `fixed limit: ${spec.what}`;
  return environmentError(`${detail}: the limit of ${shown} (${label}) was reached.`, raiseHint(name));
}
