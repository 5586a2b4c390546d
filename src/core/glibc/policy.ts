import { usageError } from '../errors';

/** A named runtime and the glibc it ships, with where that number comes from (docs/glibc.md lists them). */
export interface PolicyFact {
  glibc: string;
  source: string;
}

const debian = (n: number, suite: string, pkg: string): PolicyFact => ({
  glibc: pkg.split('-')[0],
  source: `Debian ${n} (${suite}) ships libc6 ${pkg}`,
});
const ubuntu = (v: string, name: string, pkg: string): PolicyFact => ({
  glibc: pkg.split('-')[0],
  source: `Ubuntu ${v} (${name}) ships libc6 ${pkg}`,
});
const rhel = (n: number, glibc: string): PolicyFact => ({
  glibc,
  source: `RHEL ${n} and its rebuilds (CentOS, Rocky, Alma, UBI) ship glibc-${glibc}`,
});
const fedora = (n: number, glibc: string): PolicyFact => ({ glibc, source: `Fedora ${n} ships glibc-${glibc}` });

/**
 * The glibc a target runtime provides, named by distribution release, base image or wheel policy: a binary that
 * needs no newer GLIBC_x.y runs there. manylinux_X_Y names its glibc itself (PEP 600).
 */
export const POLICY_FACTS: Readonly<Record<string, PolicyFact>> = {
  manylinux1: { glibc: '2.5', source: 'PEP 513: manylinux1 is CentOS 5, glibc 2.5' },
  manylinux2010: { glibc: '2.12', source: 'PEP 571: manylinux2010 is CentOS 6, glibc 2.12' },
  manylinux2014: { glibc: '2.17', source: 'PEP 599: manylinux2014 is CentOS 7, glibc 2.17' },
  'debian-9': debian(9, 'stretch', '2.24-11'),
  'debian-10': debian(10, 'buster', '2.28-10'),
  'debian-11': debian(11, 'bullseye', '2.31-13'),
  'debian-12': debian(12, 'bookworm', '2.36-9'),
  'debian-13': debian(13, 'trixie', '2.41-12'),
  stretch: debian(9, 'stretch', '2.24-11'),
  buster: debian(10, 'buster', '2.28-10'),
  bullseye: debian(11, 'bullseye', '2.31-13'),
  bookworm: debian(12, 'bookworm', '2.36-9'),
  trixie: debian(13, 'trixie', '2.41-12'),
  'ubuntu-16.04': ubuntu('16.04', 'xenial', '2.23-0ubuntu3'),
  'ubuntu-18.04': ubuntu('18.04', 'bionic', '2.27-3ubuntu1'),
  'ubuntu-20.04': ubuntu('20.04', 'focal', '2.31-0ubuntu9'),
  'ubuntu-22.04': ubuntu('22.04', 'jammy', '2.35-0ubuntu3'),
  'ubuntu-24.04': ubuntu('24.04', 'noble', '2.39-0ubuntu8'),
  'ubuntu-24.10': ubuntu('24.10', 'oracular', '2.40-1ubuntu3'),
  'ubuntu-25.04': ubuntu('25.04', 'plucky', '2.41-6ubuntu1'),
  xenial: ubuntu('16.04', 'xenial', '2.23-0ubuntu3'),
  bionic: ubuntu('18.04', 'bionic', '2.27-3ubuntu1'),
  focal: ubuntu('20.04', 'focal', '2.31-0ubuntu9'),
  jammy: ubuntu('22.04', 'jammy', '2.35-0ubuntu3'),
  noble: ubuntu('24.04', 'noble', '2.39-0ubuntu8'),
  oracular: ubuntu('24.10', 'oracular', '2.40-1ubuntu3'),
  plucky: ubuntu('25.04', 'plucky', '2.41-6ubuntu1'),
  el7: rhel(7, '2.17'),
  el8: rhel(8, '2.28'),
  el9: rhel(9, '2.34'),
  el10: rhel(10, '2.39'),
  al2: { glibc: '2.26', source: 'Amazon Linux 2 ships glibc-2.26' },
  al2023: { glibc: '2.34', source: 'Amazon Linux 2023 ships glibc-2.34' },
  'fedora-38': fedora(38, '2.37'),
  'fedora-39': fedora(39, '2.38'),
  'fedora-40': fedora(40, '2.39'),
  'fedora-41': fedora(41, '2.40'),
  'fedora-42': fedora(42, '2.41'),
};

/** Policy name -> glibc version (the table above without its sources). */
const POLICIES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(POLICY_FACTS).map(([k, v]) => [k, v.glibc]),
);

export interface GlibcTarget {
  /** Highest glibc version a binary may need, e.g. "2.36". */
  glibc: string;
  /** Where it came from, for messages: "--max-glibc 2.36" or "policy bookworm (glibc 2.36)". */
  source: string;
}

/**
 * Canonical key: lower case, "ubuntu22.04" / "ubuntu:22.04" -> "ubuntu-22.04", "rhel9"/"centos9"/"rocky9" -> "el9",
 * "amazonlinux:2023" -> "al2023", "fedora:40" -> "fedora-40".
 */
function canonical(name: string): string {
  let n = name.trim().toLowerCase().replace(/[:_ ]/g, '-');
  n = n.replace(/^(ubuntu|debian|fedora)-?(\d)/, '$1-$2');
  n = n.replace(/^fc-?(\d+)$/, 'fedora-$1');
  n = n.replace(/^(rhel|centos|rocky|rockylinux|alma|almalinux|ubi|oraclelinux|ol)-?(\d+)$/, 'el$2');
  n = n.replace(/^(amazonlinux|amzn|al)-?(2|2023)$/, 'al$2');
  return n;
}

export function policyGlibc(name: string): string | undefined {
  return policyFact(name)?.glibc;
}

/** A policy by any of its spellings, with the source of its glibc version. */
export function policyFact(name: string): PolicyFact | undefined {
  const m = /^manylinux_(\d+)_(\d+)$/i.exec(name.trim());
  if (m) return { glibc: `${m[1]}.${m[2]}`, source: `PEP 600: manylinux_${m[1]}_${m[2]} is glibc ${m[1]}.${m[2]}` };
  return POLICY_FACTS[canonical(name)];
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
