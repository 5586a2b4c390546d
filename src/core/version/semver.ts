// The four semver functions the product uses, imported one by one: the package's index also loads its ranges
// and every other function, which the extension would otherwise parse at activation for nothing.
import parse from 'semver/functions/parse';
import prerelease from 'semver/functions/prerelease';
import rcompare from 'semver/functions/rcompare';
import valid from 'semver/functions/valid';

export default { parse, prerelease, rcompare, valid };
