import { usageError } from '../errors';
import { imageInspect, formatPlatform, parsePlatform, type DockerClient } from '../container';
import { isIndex, parseReference, repositoryName, splitIndex, type RegistryClient } from '../registry';
import type { GateFlow, LocalImage } from './types';

/** The image pre-push tests for one platform. */
export interface PlatformTarget {
  platform: string;
  /** What smoke runs and glibc reads: a local reference, or repository@manifest-digest. */
  reference: string;
  /** glibc's way to the same image: docker-daemon:REF or docker://REPO@DIGEST. */
  glibcTarget: string;
  /** Candidate flow: the platform's manifest digest and its config digest, from the registry. */
  manifestDigest?: string;
  configDigest?: string;
  /** Candidate flow: the reference given, pinned by the digest it resolved to. */
  source?: string;
}

export interface Targets {
  flow: GateFlow;
  targets: PlatformTarget[];
}

/**
 * The per-platform images of a pre-push run. Local: the references given, each platform read from the image
 * when not named. Candidate: every platform of every reference given (indexes are opened; attestations are
 * never platforms), each pinned by its manifest digest.
 */
export async function resolveTargets(
  input: { local?: LocalImage[]; candidates?: string[] },
  deps: { docker: DockerClient; registry: RegistryClient; signal?: AbortSignal },
): Promise<Targets> {
  const local = input.local ?? [];
  const candidates = input.candidates ?? [];
  if (local.length && candidates.length)
    throw usageError(
      'Give either local images (--local) or candidates in the registry (--candidate), not both.',
      'The local flow tests images loaded here; the candidate flow tests images pushed by digest.',
    );
  if (!local.length && !candidates.length)
    throw usageError(
      'pre-push needs the images to test.',
      'Pass --local PLATFORM=REF per platform (images built and loaded here), or --candidate REF (pushed by digest).',
    );
  const targets: PlatformTarget[] = [];
  const add = (t: PlatformTarget) => {
    const same = targets.find((o) => o.platform === t.platform);
    if (same)
      throw usageError(
        `Two images for ${t.platform}: ${same.reference} and ${t.reference}.`,
        'Give one image per platform.',
      );
    targets.push(t);
  };
  if (local.length) {
    for (const l of local) {
      let platform = l.platform ? formatPlatform(parsePlatform(l.platform)) : undefined;
      if (!platform) {
        const info = await deps.docker.exec(imageInspect(l.reference), { signal: deps.signal });
        if (!info)
          throw usageError(
            `There is no local image ${l.reference}, so its platform is unknown.`,
            'Build and load it first, or name its platform: --local linux/amd64=REF.',
          );
        platform = formatPlatform({ os: info.os, architecture: info.architecture, variant: info.variant });
      }
      add({ platform, reference: l.reference, glibcTarget: `docker-daemon:${l.reference}` });
    }
    return { flow: 'local', targets };
  }
  for (const c of candidates) {
    const ref = parseReference(c);
    const repo = repositoryName(ref);
    const top = await deps.registry.getManifest(ref, { signal: deps.signal });
    const entries = isIndex(top.json)
      ? splitIndex(top.json).platforms.map((p) => ({ digest: p.digest, platform: p.platform }))
      : [{ digest: top.digest, platform: undefined }];
    for (const e of entries) {
      const pinned = `${repo}@${e.digest}`;
      const { configDigest, config } = await deps.registry.getImageConfig(pinned, undefined, { signal: deps.signal });
      const platform =
        e.platform ??
        formatPlatform({
          os: config.os ?? 'unknown',
          architecture: config.architecture ?? 'unknown',
          variant: config.variant,
        });
      add({
        platform,
        reference: pinned,
        glibcTarget: `docker://${pinned}`,
        manifestDigest: e.digest,
        configDigest,
        source: `${repo}@${top.digest}`,
      });
    }
  }
  return { flow: 'candidate', targets };
}
