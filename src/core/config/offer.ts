import { existsSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors';
import { readRegularText, writeFileAtomic } from '../files';
import { discoverImages, notConfigured } from './discover';
import { imageEntries } from './images';
import { CONFIG_FILE, readConfigFile } from './load';
import type { ReleaseOperatorConfig } from './schema';

/** One `images` entry as the offer writes it. */
export interface OfferedImage {
  name: string;
  image: string;
  dockerfile: string;
  context: string;
}

/**
 * What `images --discover` (and the editor's first-run offer) would write: the Dockerfiles no image builds, as
 * entries, after the image the top-level keys describe (kept first: an "images" list replaces those keys).
 */
export interface ImageOffer {
  /** release-operator.json of the repository (it may not exist yet). */
  file: string;
  offered: OfferedImage[];
  /** The single image of the top-level keys, kept as the first entry when its Dockerfile exists. */
  kept: OfferedImage[];
  /** Why nothing may be written: the file already has an "images" list (an offer only starts one). */
  blocked?: string;
}

/** The facts an offer names images from: the GitHub repository and the image the status derived. */
export interface OfferFacts {
  github?: { owner: string; name: string };
  image?: string | null;
}

/**
 * Where offered images live: next to the configured image (its registry and namespace), else ghcr.io/OWNER of the
 * GitHub remote, else a placeholder the user replaces.
 */
function namespaceOf(config: ReleaseOperatorConfig, facts: OfferFacts): string {
  if (config.image.includes('/')) return config.image.slice(0, config.image.lastIndexOf('/'));
  return facts.github ? `ghcr.io/${facts.github.owner.toLowerCase()}` : 'REGISTRY/OWNER';
}

/** The offer for a repository; nothing is written. */
export async function planImageOffer(
  root: string,
  config: ReleaseOperatorConfig,
  facts: OfferFacts,
): Promise<ImageOffer> {
  const entries = imageEntries(config);
  const found = notConfigured(
    await discoverImages(root, facts.github?.name.toLowerCase() ?? path.basename(root)),
    entries,
  );
  const base = namespaceOf(config, facts);
  const offered = found.map((f) => ({
    name: f.name,
    image: `${base}/${f.name}`,
    dockerfile: f.dockerfile,
    context: f.context,
  }));
  const { overrides } = await readConfigFile(root);
  const [one] = entries;
  const kept =
    entries.length === 1 && !overrides?.images?.length && existsSync(path.join(root, one.dockerfile))
      ? [
          {
            name: one.name,
            image: config.image || facts.image || `${base}/${one.name}`,
            dockerfile: one.dockerfile,
            context: one.context,
          },
        ]
      : [];
  const file = path.join(root, CONFIG_FILE);
  return {
    file,
    offered,
    kept,
    blocked: overrides?.images?.length
      ? `${file} already has an "images" list; the offer only starts one. Add the entries by hand.`
      : undefined,
  };
}

/** The "images" list the offer writes (the kept image first). */
export const offeredList = (offer: ImageOffer): OfferedImage[] => [...offer.kept, ...offer.offered];

/**
 * Writes the offer's "images" list into release-operator.json. The file is read again as it is (not as loaded), so
 * every other key stays what it says; an "images" list that appeared meanwhile is never overwritten.
 */
export async function writeImageOffer(root: string, offer: ImageOffer): Promise<string> {
  if (offer.blocked) throw usageError(offer.blocked, 'Add the offered entries to the "images" list by hand.');
  const text = await readRegularText(root, CONFIG_FILE);
  const current = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (Array.isArray(current.images) && current.images.length)
    throw usageError(
      `${offer.file} already has an "images" list; the offer only starts one.`,
      'Add the offered entries to the "images" list by hand.',
    );
  // Whole or not at all: the editor watches this file and reloads it as it changes.
  await writeFileAtomic(offer.file, JSON.stringify({ ...current, images: offeredList(offer) }, null, 2) + '\n');
  return offer.file;
}
