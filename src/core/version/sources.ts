import path from 'node:path';
import { readRegularText } from '../files';
import semver from './semver';
import type { VersionSource } from '../config/schema';
import type { GitTag } from '../git/repo';
import { obj, type Obj } from '../untrusted';

export interface EffectiveVersion {
  version: string;
  source: VersionSource;
  /** The file it came from, or the git tag. */
  origin: string;
}

/** A version file's text; undefined when absent. One that exists and cannot be read stops the command (exit 3). */
async function readText(file: string): Promise<string | undefined> {
  return readRegularText(path.dirname(file), path.basename(file));
}

/** A semver version from text such as "1.2.3", "v1.2.3" or "1.2.3-rc.1"; undefined otherwise. */
function clean(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return semver.valid(v.trim().replace(/^v/, '')) ?? undefined;
}

/** The newest semver git tag with the configured prefix, by semver order (not by date). */
function newestVersionTag(tags: GitTag[], prefix: string): GitTag | undefined {
  return sortVersionTags(tags, prefix)[0];
}

/** Version tags newest first; tags that are not prefix+semver are left out. */
export function sortVersionTags(tags: GitTag[], prefix: string): GitTag[] {
  return tags
    .filter((t) => t.name.startsWith(prefix) && semver.valid(t.name.slice(prefix.length)))
    .sort((a, b) => semver.rcompare(a.name.slice(prefix.length), b.name.slice(prefix.length)));
}

/** Reads the version from the first source (in the configured order) that has one. */
export async function effectiveVersion(
  root: string,
  order: readonly VersionSource[],
  tags: GitTag[],
  gitPrefix: string,
): Promise<EffectiveVersion | undefined> {
  for (const source of order) {
    const found = await readSource(root, source, tags, gitPrefix);
    if (found) return found;
  }
  return undefined;
}

async function readSource(
  root: string,
  source: VersionSource,
  tags: GitTag[],
  gitPrefix: string,
): Promise<EffectiveVersion | undefined> {
  const file = path.join(root, source);
  switch (source) {
    case 'package.json': {
      const text = await readText(file);
      if (!text) return undefined;
      try {
        const v = clean((JSON.parse(text) as { version?: unknown }).version);
        return v ? { version: v, source, origin: file } : undefined;
      } catch {
        return undefined;
      }
    }
    case 'Cargo.toml':
    case 'pyproject.toml': {
      const text = await readText(file);
      if (!text) return undefined;
      let doc: Obj;
      try {
        // Loaded only for a repository that has such a file (the extension's first items need no TOML otherwise).
        const { parse: parseToml } = await import('smol-toml');
        doc = parseToml(text);
      } catch {
        return undefined;
      }
      const v =
        source === 'Cargo.toml'
          ? (clean(obj(doc.package).version) ?? clean(obj(obj(doc.workspace).package).version))
          : (clean(obj(doc.project).version) ?? clean(obj(obj(doc.tool).poetry).version));
      return v ? { version: v, source, origin: file } : undefined;
    }
    case 'VERSION': {
      const text = await readText(file);
      const v = clean(text?.split('\n')[0]);
      return v ? { version: v, source, origin: file } : undefined;
    }
    case 'git-tag': {
      const t = newestVersionTag(tags, gitPrefix);
      return t ? { version: t.name.slice(gitPrefix.length), source, origin: t.name } : undefined;
    }
  }
}
