import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ImageEntry } from './images';

/** A Dockerfile found in the repository, offered as an image: what an `images` entry for it would say. */
export interface FoundImage {
  name: string;
  dockerfile: string;
  context: string;
}

/** Folders that hold other people's Dockerfiles (dependencies, build output) or none at all. */
const SKIP = new Set(['node_modules', 'vendor', 'dist', 'build', 'out', 'target', 'testdata', 'fixtures']);
const DOCKERFILE = /^(Dockerfile|Containerfile)(\.[A-Za-z0-9._-]+)?$|^[A-Za-z0-9._-]+\.(dockerfile|containerfile)$/i;
/** How deep a monorepo's images sit (apps/web/Dockerfile is 2); bounded so a huge tree is not walked whole. */
const MAX_DEPTH = 4;
const MAX_FOLDERS = 5000;

/**
 * The Dockerfiles of a repository (a monorepo's apps/*, services/*), each offered as an image: named after its
 * folder (the repository's own name at the root) or its suffix (Dockerfile.worker -> worker), built with its folder
 * as the context. Hidden folders and dependency or build-output folders are not entered; symlinks are not followed.
 */
export async function discoverImages(root: string, rootName: string): Promise<FoundImage[]> {
  const found: FoundImage[] = [];
  let folders = 0;
  const walk = async (rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH || ++folders > MAX_FOLDERS) return;
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !e.name.startsWith('.') && !SKIP.has(e.name)) await walk(child, depth + 1);
      else if (e.isFile() && DOCKERFILE.test(e.name)) {
        const suffix =
          /^(?:Dockerfile|Containerfile)\.(.+)$/i.exec(e.name)?.[1] ??
          /^(.+)\.(?:docker|container)file$/i.exec(e.name)?.[1];
        const folder = rel ? path.posix.basename(rel) : rootName;
        found.push({ name: imageName(suffix ?? folder), dockerfile: child, context: rel || '.' });
      }
    }
  };
  await walk('', 0);
  // Two Dockerfiles that would get one name: the folder path tells them apart.
  for (const f of found)
    if (found.filter((o) => o.name === f.name).length > 1)
      f.name = imageName(`${f.context === '.' ? rootName : f.context}-${path.posix.basename(f.dockerfile)}`);
  return found;
}

/** A name the `images` list accepts: lower case, digits, . _ - */
function imageName(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'image'
  );
}

/** The found Dockerfiles that no configured image builds. */
export function notConfigured(found: readonly FoundImage[], configured: readonly ImageEntry[]): FoundImage[] {
  const used = new Set(configured.map((e) => path.posix.normalize(e.dockerfile)));
  return found.filter((f) => !used.has(path.posix.normalize(f.dockerfile)));
}
