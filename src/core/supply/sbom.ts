/**
 * SBOMs as BuildKit, syft and cosign attach them: SPDX 2.x JSON and CycloneDX JSON, reduced to their packages so
 * an operator can count them and ask "which openssl is in each platform".
 */
import { isObject, str } from './intoto';
import { PREDICATE, type SbomPackage, type SbomSummary } from './types';

export function isSbom(predicateType: string): boolean {
  return (
    predicateType === PREDICATE.spdx ||
    predicateType.startsWith('https://spdx.dev/') ||
    predicateType.startsWith(PREDICATE.cyclonedx)
  );
}

/** The packages of an SPDX or CycloneDX document (the predicate of an SBOM statement, or a bare SBOM file). */
export function summarizeSbom(doc: unknown): SbomSummary | undefined {
  if (!isObject(doc)) return undefined;
  if (typeof doc.spdxVersion === 'string' || Array.isArray(doc.packages)) {
    const packages = (Array.isArray(doc.packages) ? doc.packages : []).flatMap((p): SbomPackage[] => {
      const name = str(p, 'name');
      if (!name) return [];
      const refs = isObject(p) && Array.isArray(p.externalRefs) ? p.externalRefs : [];
      const purl = refs
        .map((r) => (str(r, 'referenceType') === 'purl' ? str(r, 'referenceLocator') : undefined))
        .find(Boolean);
      return [{ name, version: str(p, 'versionInfo'), purl }];
    });
    const creators =
      isObject(doc.creationInfo) && Array.isArray(doc.creationInfo.creators) ? doc.creationInfo.creators : [];
    const tool = creators.find((c): c is string => typeof c === 'string' && c.startsWith('Tool:'));
    return { format: 'spdx', generator: tool?.slice(5).trim(), packageCount: packages.length, packages };
  }
  if (doc.bomFormat === 'CycloneDX' || Array.isArray(doc.components)) {
    const packages: SbomPackage[] = [];
    const walk = (list: unknown) => {
      if (!Array.isArray(list)) return;
      for (const c of list) {
        const name = str(c, 'name');
        if (name) packages.push({ name, version: str(c, 'version'), purl: str(c, 'purl') });
        if (isObject(c)) walk(c.components);
      }
    };
    walk(doc.components);
    const tools = isObject(doc.metadata) ? doc.metadata.tools : undefined;
    const toolList = Array.isArray(tools)
      ? tools
      : isObject(tools) && Array.isArray(tools.components)
        ? tools.components
        : [];
    const first: unknown = toolList[0];
    return {
      format: 'cyclonedx',
      generator: first ? [str(first, 'name'), str(first, 'version')].filter(Boolean).join(' ') || undefined : undefined,
      packageCount: packages.length,
      packages,
    };
  }
  return undefined;
}

/**
 * Packages whose name matches a query: case-insensitive, the name itself or its purl's name; "glibc" also finds
 * Debian's libc6 and "openssl" its libssl3, the names those distributions ship them under.
 */
export function searchPackages(sbom: SbomSummary, query: string): SbomPackage[] {
  const q = query.toLowerCase();
  const names = new Set([q, ...(ALIASES[q] ?? [])]);
  return sbom.packages.filter((p) => {
    const n = p.name.toLowerCase();
    const purlName = p.purl ? /^pkg:[^/]+\/(?:[^/]+\/)*([^@?]+)/.exec(p.purl)?.[1]?.toLowerCase() : undefined;
    return [...names].some((x) => n === x || purlName === x || n.startsWith(`${x}-`) || n.includes(x));
  });
}

const ALIASES: Record<string, string[]> = {
  glibc: ['libc6', 'libc-bin', 'glibc-common'],
  openssl: ['libssl3', 'libssl1.1', 'libssl3t64', 'openssl-libs'],
};
