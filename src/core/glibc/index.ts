/**
 * glibc drift check: catch `version 'GLIBC_2.xx' not found` before release, statically, per platform.
 *
 * API for the faces (CLI: src/cli/commands/glibc.ts; the VS Code extension wires the same calls):
 *
 *   const report = await checkGlibc(
 *     { target: 'ghcr.io/o/app:v1.2.3', platforms: ['linux/amd64'], policy: 'bookworm', paths: config.glibc.paths },
 *     { runner: runProcess, dockerPath: config.dockerPath, registry: new RegistryClient({...}), logger, signal },
 *   );
 *   report.ok                        // false: drift (or another error) on some platform -> exit 1 / error notification
 *   report.platforms[i].platform     // "linux/amd64"
 *   report.platforms[i].provided     // glibc of the image's libc.so.6 ("2.36"), when the image has one
 *   report.platforms[i].required     // highest glibc any checked binary needs
 *   report.platforms[i].binaries[j]  // { path, required, missing[{library, version, neededBy, weak}], needs, ... }
 *   formatGlibcReport(report)        // the readable text report (the CLI prints it; the extension shows it)
 *   driftSummary(report)             // one line naming the first failing binary and versions (notification text)
 *
 * Targets: a local file/folder (compared with maxGlibc/policy), `docker-daemon:NAME`, `docker://REF` or a bare
 * reference (registry when it names a host). Errors are ReleaseOperatorErrors: bad flags 'usage', Docker or
 * registry unreachable 'environment', a missing image or unreadable layer 'check'. Drift itself is not thrown:
 * it is `ok: false` with findings.
 */
export { checkGlibc, type GlibcCheckRequest, type GlibcCheckDeps, type TargetKind } from './check';
export { checkImageFs, type ImageCheckInput } from './image-check';
export { policyGlibc, resolveTarget, type GlibcTarget } from './policy';
export { formatGlibcReport, driftSummary, glibcVerdict, toJson, examinedCount } from './report';
export { checkArchive, type ArchiveCheckOptions } from './archive-check';
export { groupLooseFiles, type LooseElf } from './group';
export { buildAdvice } from './builders';
export type { WheelClaim } from './wheel';
export type {
  GlibcReport,
  ArchiveResult,
  PlatformResult,
  BinaryResult,
  Finding,
  MissingVersion,
  LibraryNeedResult,
  Severity,
  UnreadablePath,
} from './types';
