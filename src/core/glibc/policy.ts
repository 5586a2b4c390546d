import { usageError } from '../errors';

/** The glibc a target runtime provides, named by base image or wheel policy (auditwheel's manylinux tags). */
const POLICIES: Readonly<Record<string, string>> = {
  manylinux1: '2.5',
  manylinux2010: '2.12',
  manylinux2014: '2.17',
  buster: '2.28',
  bullseye: '2.31',
  bookworm: '2.36',
  trixie: '2.41',
  'debian-10': '2.28',
  'debian-11': '2.31',
  'debian-12': '2.36',
  'debian-13': '2.41',
  'ubuntu-20.04': '2.31',
  'ubuntu-22.04': '2.35',
  'ubuntu-24.04': '2.39',
  focal: '2.31',
  jammy: '2.35',
  noble: '2.39',
  el7: '2.17',
  el8: '2.28',
  el9: '2.34',
  el10: '2.39',
};

export interface GlibcTarget {
  /** Highest glibc version a binary may need, e.g. "2.36". */
  glibc: string;
  /** Where it came from, for messages: "--max-glibc 2.36" or "policy bookworm (glibc 2.36)". */
  source: string;
}

/** Canonical key: lower case, "ubuntu22.04" / "ubuntu:22.04" -> "ubuntu-22.04", "rhel9"/"centos9"/"rocky9" -> "el9". */
function canonical(name: string): string {
  let n = name.trim().toLowerCase().replace(/[:_ ]/g, '-');
  n = n.replace(/^(ubuntu|debian)-?(\d)/, '$1-$2');
  n = n.replace(/^(rhel|centos|rocky|alma|almalinux|ubi)-?(\d+)$/, 'el$2');
  return n;
}

export function policyGlibc(name: string): string | undefined {
  const m = /^manylinux_(\d+)_(\d+)$/i.exec(name.trim());
  if (m) return `${m[1]}.${m[2]}`;
  return POLICIES[canonical(name)];
}

/** --max-glibc / --policy (or their config settings) -> a target; usage errors name the bad value. */
export function resolveTarget(maxGlibc?: string, policy?: string): GlibcTarget | undefined {
  if (maxGlibc && policy)
    throw usageError(
      'Give either --max-glibc or --policy, not both.',
      `--max-glibc ${maxGlibc} and --policy ${policy} were both set.`,
    );
  if (maxGlibc) {
    if (!/^\d+\.\d+(\.\d+)?$/.test(maxGlibc.trim()))
      throw usageError(
        `--max-glibc '${maxGlibc}' is not a glibc version.`,
        'Write it as MAJOR.MINOR, e.g. --max-glibc 2.36.',
      );
    return { glibc: maxGlibc.trim(), source: `--max-glibc ${maxGlibc.trim()}` };
  }
  if (policy) {
    const glibc = policyGlibc(policy);
    if (!glibc)
      throw usageError(
        `Unknown glibc policy '${policy}'.`,
        `Known: manylinux_X_Y, ${Object.keys(POLICIES).join(', ')}; or use --max-glibc X.Y.`,
      );
    return { glibc, source: `policy ${policy} (glibc ${glibc})` };
  }
  return undefined;
}
