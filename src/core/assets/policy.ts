import { ReleaseOperatorError, usageError } from '../errors';
import { resolveTarget, type GlibcTarget } from '../glibc';
import type { Basis } from '../report';
import { globMatch } from './select';

/** Where an asset's glibc policy may come from, strongest first. */
export interface AssetPolicySources {
  /** From the command line (--policy / --max-glibc): every asset. */
  flag?: { policy?: string; maxGlibc?: string };
  /** glibc.assets: asset name glob -> policy name or glibc version; the first pattern that matches wins. */
  patterns: Readonly<Record<string, string>>;
  /** glibc.policy / glibc.maxGlibc: for assets no pattern names. */
  fallback: { policy: string; maxGlibc: string };
}

export interface AssetPolicy {
  target?: GlibcTarget;
  basis?: Basis;
}

/** A policy name (el8, bookworm, manylinux_2_28) or a glibc version (2.28), as glibc.assets values may be. */
function targetOf(value: string, where: string): GlibcTarget {
  const v = value.trim();
  if (!v)
    throw usageError(
      `${where} is empty.`,
      'Give a policy name (el8, bookworm, manylinux_2_28, ...) or a glibc version (2.28).',
    );
  try {
    return (/^\d+\.\d+(\.\d+)?$/.test(v) ? resolveTarget(v) : resolveTarget(undefined, v))!;
  } catch (e) {
    if (!(e instanceof ReleaseOperatorError)) throw e;
    throw usageError(`${where}: ${e.message}`, e.hint);
  }
}

/** Every configured pattern's policy, resolved once: a typo fails before anything is downloaded. */
export function validateAssetPolicies(patterns: Readonly<Record<string, string>>): void {
  for (const [glob, value] of Object.entries(patterns))
    targetOf(value, `glibc.assets["${glob}"] in release-operator.json`);
}

/** The policy one asset is held to, and what it relied on (said in the report as its basis). */
export function assetPolicy(name: string, s: AssetPolicySources): AssetPolicy {
  const subject = `glibc policy for ${name}`;
  if (s.flag?.policy || s.flag?.maxGlibc) {
    const target = resolveTarget(s.flag.maxGlibc || undefined, s.flag.policy || undefined)!;
    const flag = s.flag.policy ? `--policy ${s.flag.policy}` : `--max-glibc ${s.flag.maxGlibc}`;
    return { target, basis: { subject, value: target.source, source: 'configured', detail: flag } };
  }
  for (const [glob, value] of Object.entries(s.patterns)) {
    if (!globMatch(glob, name)) continue;
    const target = targetOf(value, `glibc.assets["${glob}"] in release-operator.json`);
    return {
      target,
      basis: { subject, value: target.source, source: 'configured', detail: `glibc.assets "${glob}"` },
    };
  }
  if (s.fallback.policy || s.fallback.maxGlibc) {
    const target = resolveTarget(s.fallback.maxGlibc || undefined, s.fallback.policy || undefined)!;
    const key = s.fallback.policy ? 'glibc.policy' : 'glibc.maxGlibc';
    return { target, basis: { subject, value: target.source, source: 'configured', detail: key } };
  }
  return {};
}
