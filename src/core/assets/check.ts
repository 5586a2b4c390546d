import { closeSync, openSync, readSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_ARCHIVE_LIMITS, sniffContainer } from '../archive';
import { limitError } from '../limits';
import { CancelledError, ReleaseOperatorError, describeError } from '../errors';
import { ElfFormatError, readElfFile } from '../elf';
import { downloadReleaseAsset, findRelease, listReleaseAssets, type Release, type ReleaseAsset } from '../github';
import { checkArchive, groupLooseFiles, type PlatformResult } from '../glibc';
import { nullLogger, type Logger } from '../log';
import { checkResult, environmentResult, type CheckFinding, type CheckResult } from '../report';
import { assetPolicy, validateAssetPolicies, type AssetPolicy } from './policy';
import { assetDisposition, globMatch } from './select';
import { assetCheck } from './result';
import type { AssetResult, ReleaseAssetsDeps, ReleaseAssetsOutcome, ReleaseAssetsRequest } from './types';

/**
 * The glibc floor of a Release's assets (a draft's too): each asset that may hold Linux binaries is downloaded
 * (through the API, one at a time, to a temporary file removed afterwards), read as an ELF file or an archive, and
 * each binary compared per architecture with the policy that asset is held to. Assets that cannot hold a Linux
 * binary are listed as skipped with the reason. No Linux binary examined is "nothing checked", never a pass.
 */
export async function checkReleaseAssets(
  req: ReleaseAssetsRequest,
  deps: ReleaseAssetsDeps,
): Promise<ReleaseAssetsOutcome> {
  const log = deps.logger ?? nullLogger;
  validateAssetPolicies(req.policies.patterns);
  const release = await findRelease(deps.github, req.repo, req.tag, deps.signal);
  if (!release) return { assets: [], checks: [releaseRow(req, undefined, [])] };
  const listed = await listReleaseAssets(deps.github, req.repo, release.id, deps.signal);
  const assets: AssetResult[] = [];
  const checks: CheckResult[] = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'release-operator-assets-'));
  try {
    for (const asset of listed) {
      if (deps.signal?.aborted) throw new CancelledError();
      const r = await oneAsset(asset, req, deps, dir, log);
      assets.push(r);
      if (r.status === 'checked') checks.push(assetCheck(r, release));
      else if (r.status === 'failed')
        checks.push(
          environmentResult(
            'release-asset',
            'Release asset',
            'Linux binaries',
            r.reason ?? 'failed',
            undefined,
            r.name,
          ),
        );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { release, assets, checks: [...checks, releaseRow(req, release, assets)] };
}

/** The gate's entry: the rows only. */
export async function releaseAssetChecks(req: ReleaseAssetsRequest, deps: ReleaseAssetsDeps): Promise<CheckResult[]> {
  return (await checkReleaseAssets(req, deps)).checks;
}

async function oneAsset(
  asset: ReleaseAsset,
  req: ReleaseAssetsRequest,
  deps: ReleaseAssetsDeps,
  dir: string,
  log: Logger,
): Promise<AssetResult> {
  const base = { name: asset.name, size: asset.size };
  if (req.select?.length && !req.select.some((g) => globMatch(g, asset.name)))
    return { ...base, status: 'skipped', reason: `not selected (--asset ${req.select.join(', ')})` };
  const d = assetDisposition(asset.name);
  if (!d.check) return { ...base, status: 'skipped', reason: d.reason };
  if (asset.state !== 'uploaded')
    return { ...base, status: 'failed', reason: `still uploading (state ${asset.state})` };
  const policy = assetPolicy(asset.name, req.policies);
  const limits = deps.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const file = path.join(dir, String(asset.id));
  try {
    log.info(`release assets: downloading ${asset.name} (${asset.size} bytes)`);
    await downloadReleaseAsset(deps.github, req.repo, asset, file, {
      maxBytes: limits.assetBytes,
      onLimit: (bytes) =>
        limitError('assetMegabytes', limits.assetBytes, `The asset ${asset.name} is larger (${bytes} bytes)`),
      signal: deps.signal,
    });
    const kind = sniff(file);
    if (kind === 'elf') {
      const platforms = await checkElf(file, asset.name, policy, d.arch);
      return { ...base, status: 'checked', platforms, policy, arch: d.arch };
    }
    if (kind === 'archive') {
      const r = await checkArchive(file, {
        name: asset.name,
        target: policy.target,
        platforms: d.arch ? [`linux/${d.arch}`] : undefined,
        limits,
        signal: deps.signal,
      });
      if (!r.archive.elfFiles)
        return {
          ...base,
          status: 'skipped',
          reason: `no Linux binary inside (${r.archive.kind}, ${r.archive.entries} entr${r.archive.entries === 1 ? 'y' : 'ies'})`,
          archive: r.archive,
        };
      return { ...base, status: 'checked', archive: r.archive, platforms: r.platforms, policy, arch: d.arch };
    }
    return { ...base, status: 'skipped', reason: 'neither an ELF file nor an archive (read by its first bytes)' };
  } catch (e) {
    if (e instanceof CancelledError || (e as Error)?.name === 'CancelledError') throw e;
    if (e instanceof ReleaseOperatorError && e.kind === 'check')
      return { ...base, status: 'checked', reason: e.message, policy, platforms: [], arch: d.arch };
    if (e instanceof ReleaseOperatorError && e.kind === 'usage')
      return { ...base, status: 'skipped', reason: e.message };
    return { ...base, status: 'failed', reason: describeError(e).replace(/\n\s*/g, ' ') };
  } finally {
    await rm(file, { force: true });
  }
}

function sniff(file: string): 'elf' | 'archive' | 'other' {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const n = readSync(fd, head, 0, head.length, 0);
    const c = sniffContainer(head.subarray(0, n));
    if (c.type === 'elf') return 'elf';
    return c.type === 'zip' || c.type === 'tar' || c.type === 'compressed' ? 'archive' : 'other';
  } finally {
    closeSync(fd);
  }
}

/** A bare binary asset (tool-linux-amd64): read where the loader reads it, grouped like any file on its own. */
async function checkElf(file: string, name: string, policy: AssetPolicy, arch?: string): Promise<PlatformResult[]> {
  const { size } = await stat(file);
  const fd = openSync(file, 'r');
  let loose;
  try {
    const elf = await readElfFile(
      { read: async (b, o, l, p) => ({ bytesRead: readSync(fd, b, o, l, p) }) },
      size,
      name,
    );
    loose = { path: name, elf };
  } catch (e) {
    if (!(e instanceof ElfFormatError)) throw e;
    loose = { path: name, error: e };
  } finally {
    closeSync(fd);
  }
  return groupLooseFiles([loose], name, { target: policy.target, platforms: arch ? [`linux/${arch}`] : undefined });
}

/** The Release's row: the assets whose Linux binaries were examined; each skipped asset a note with its reason. */
function releaseRow(req: ReleaseAssetsRequest, release: Release | undefined, assets: AssetResult[]): CheckResult {
  const subject = release?.draft ? `${req.tag} (draft)` : req.tag;
  if (!release)
    return checkResult({
      id: 'release-assets',
      title: 'Release assets',
      subject,
      examined: {
        count: 0,
        what: 'assets with Linux binaries',
        one: 'asset with Linux binaries',
        lookedFor: `a Release or draft for the tag ${req.tag} in ${req.repo.owner}/${req.repo.name}`,
        foundInstead: 'none',
      },
      findings: [],
      next: [{ text: 'Create the Release (a draft is enough) and upload its assets, then check again' }],
    });
  // Assets whose Linux binaries were read (their rows count the binaries): none is nothing checked.
  const count = assets.filter((a) =>
    (a.platforms ?? []).some((p) => p.binaries.some((b) => b.kind !== 'unreadable')),
  ).length;
  const skipped = assets.filter((a) => a.status === 'skipped');
  const findings: CheckFinding[] = skipped.map((a) => ({
    severity: 'info',
    subject: a.name,
    rule: 'skipped',
    message: `${a.name}: skipped, ${a.reason}`,
  }));
  return checkResult({
    id: 'release-assets',
    title: 'Release assets',
    subject,
    examined: {
      count,
      what: 'assets with Linux binaries',
      one: 'asset with Linux binaries',
      // What it looked for is said only when it found none.
      lookedFor: count
        ? undefined
        : `Linux binaries (ELF programs and shared libraries) among the assets of ${subject}`,
      foundInstead: count
        ? undefined
        : assets.length
          ? `${assets.length} asset${assets.length === 1 ? '' : 's'}: ${skipped
              .slice(0, 5)
              .map((a) => `${a.name} (${a.reason})`)
              .join(', ')}${skipped.length > 5 ? ', ...' : ''}`
          : 'no assets',
    },
    findings,
    evidence: {
      release: { id: release.id, tag: release.tag, draft: release.draft, url: release.url },
      assets: assets.map((a) => ({ name: a.name, size: a.size, status: a.status, reason: a.reason })),
    },
  });
}
