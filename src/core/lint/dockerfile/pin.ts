import { DEBIAN, UBUNTU, hasCodenameVariants, shortName, type DistroRelease } from '../distro';
import type { Fix } from '../types';
import type { DockerStage } from './model';

/**
 * The mechanical fix for a builder or base image: rewrite its tag so it names `target`'s release
 * (rust:1.91 -> rust:1.91-bookworm, golang:1.25-trixie -> golang:1.25-bookworm, ubuntu:24.04 -> ubuntu:22.04).
 * Undefined when there is no safe textual edit (digest pins, tags from build arguments that already name a release).
 */
export function pinFix(stage: DockerStage, target: DistroRelease, title: string): Fix | undefined {
  const from = stage.from;
  if (from.digest || stage.parent) return undefined;
  const name = shortName(from.name);
  const rawTag = from.tagRegion ? from.raw.slice(from.raw.lastIndexOf(':') + 1) : undefined;
  const edit = (newText: string, region = from.tagRegion!) => ({ title, edits: [{ region, newText }] });
  const atImageEnd = {
    line: from.region.endLine,
    column: from.region.endColumn,
    endLine: from.region.endLine,
    endColumn: from.region.endColumn,
  };

  if (target.family === 'debian') {
    const codenames = Object.keys(DEBIAN);
    if (name === 'debian') {
      if (rawTag === undefined) return from.tag === undefined ? edit(`:${target.release}`, atImageEnd) : undefined;
      const swapped = rawTag
        .replace(new RegExp(`^(${codenames.join('|')}|stable|latest)(?=$|-)`), target.release)
        .replace(/^\d+(\.\d+)*(?=$|-)/, target.release);
      return swapped !== rawTag ? edit(swapped) : undefined;
    }
    if (!hasCodenameVariants(name)) return undefined;
    if (rawTag === undefined) {
      if (from.tag === undefined) return edit(`:${target.release}`, atImageEnd);
      // Tag through a build argument: append the release unless the argument's value already names one.
      return codenames.some((c) => from.tag!.includes(c)) || from.tag.includes('alpine')
        ? undefined
        : edit(`-${target.release}`, atImageEnd);
    }
    if (rawTag.includes('alpine')) return undefined;
    const existing = codenames.find((c) => new RegExp(`(^|-)${c}($|-)`).test(rawTag));
    if (existing) return edit(rawTag.replace(existing, target.release));
    return edit(rawTag === 'latest' ? target.release : `${rawTag}-${target.release}`);
  }
  if (target.family === 'ubuntu' && name === 'ubuntu') {
    if (rawTag === undefined) return from.tag === undefined ? edit(`:${target.release}`, atImageEnd) : undefined;
    const known = Object.keys(UBUNTU).find((v) => rawTag.startsWith(v) || rawTag.startsWith(UBUNTU[v].codename));
    if (known && rawTag.startsWith(UBUNTU[known].codename))
      return edit(rawTag.replace(UBUNTU[known].codename, UBUNTU[target.release].codename));
    return edit(known ? rawTag.replace(known, target.release) : target.release);
  }
  return undefined;
}
