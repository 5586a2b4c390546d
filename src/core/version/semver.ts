// The four semver functions the product uses, imported one by one: the package's index also loads its ranges
// and every other function, which the extension would otherwise parse at activation for nothing.
import parse from 'semver/functions/parse';
import prerelease from 'semver/functions/prerelease';
import rcompare from 'semver/functions/rcompare';
import valid from 'semver/functions/valid';
import type { SemVer } from 'semver';

/**
 * rcompare for versions already parsed: newest first, as `rcompare` orders them (build metadata aside). The numbers
 * are compared as numbers and the prerelease only where there is one; `rcompare` makes each argument a SemVer again
 * and tests every number against a pattern, which a sort of thousands of tags does tens of thousands of times (the
 * Release view orders every tag of an image on the editor's thread while the listing's answers wait).
 */
function rcompareParsed(a: SemVer, b: SemVer): number {
  const d = b.major - a.major || b.minor - a.minor || b.patch - a.patch;
  if (d) return d < 0 ? -1 : 1;
  return a.prerelease.length || b.prerelease.length ? b.comparePre(a) : 0;
}

export default { parse, prerelease, rcompare, rcompareParsed, valid };
