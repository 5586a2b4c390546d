import { environmentError, usageError } from '../errors';
import { neutralize } from '../neutralize';

/**
 * Image references as Docker reads them: `[host[:port]/]path[:tag][@digest]`. The first path component is a
 * registry host only when it has a '.', a ':' or is 'localhost'; otherwise the image is on Docker Hub, and
 * one-component names live under `library/`.
 */
export interface ImageReference {
  /** Registry host[:port] as written by a person; Docker Hub is 'docker.io'. */
  registry: string;
  /** Repository path inside the registry, e.g. 'owner/name' or 'library/alpine'. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

function bad(text: string, why: string): never {
  throw usageError(
    `Invalid image reference ${JSON.stringify(text)}: ${why}.`,
    'Write it as [registry/]repository[:tag][@sha256:digest], e.g. ghcr.io/owner/name:v1.2.3.',
  );
}

/** Parses a reference; throws a 'usage' ReleaseOperatorError (exit 2) that says what is wrong. */
export function parseReference(text: string): ImageReference {
  const input = text.trim();
  if (!input) bad(text, 'it is empty');
  if (/\s/.test(input)) bad(text, 'it contains white space');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const why = digestProblem(digest);
    if (why) bad(text, why);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(text, `${JSON.stringify(tag)} is not a valid tag`);
  }
  const { registry, repository } = splitName(rest, text);
  return { registry, repository, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** What is wrong with a digest written by a person, or undefined: only sha256 and sha512 can be verified. */
export function digestProblem(digest: string): string | undefined {
  if (!DIGEST.test(digest)) return `${JSON.stringify(digest)} is not a digest (algorithm:hex)`;
  const algorithm = digest.slice(0, digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512')
    return `${algorithm} digests cannot be verified (use a sha256 or sha512 digest)`;
  if (!/^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/.test(digest))
    return `a ${algorithm} digest has ${algorithm === 'sha256' ? 64 : 128} lower-case hex digits`;
  return undefined;
}

/** True for a valid tag name (the OCI distribution grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}). */
export const isTag = (tag: string) => TAG.test(tag);

/** A tag about to be used in a URL path: refused unless it is a valid tag name (so never `..` or a slash). */
export function checkTag(tag: string): string {
  if (!TAG.test(tag))
    throw usageError(
      `${JSON.stringify(neutralize(tag, 140))} is not a valid tag: letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'.`,
    );
  return tag;
}

/**
 * A digest about to be used in a URL path, from a manifest or a header: refused unless it has a digest's shape, so a
 * hostile index cannot name a path.
 */
export function checkDigest(digest: string, registry: string): string {
  if (!DIGEST.test(digest) || digest.length > 200)
    throw environmentError(
      `The registry ${registry} named ${JSON.stringify(neutralize(digest, 140))} as a digest; it is not one.`,
      'Report it to the registry operator.',
    );
  return digest;
}

/** Parses a repository name (no tag, no digest), e.g. for `tags REPO`. */
export function parseRepository(text: string): Pick<ImageReference, 'registry' | 'repository'> {
  const input = text.trim();
  if (!input) bad(text, 'it is empty');
  if (input.includes('@')) bad(text, 'a repository has no digest');
  const lastSlash = input.lastIndexOf('/');
  if (input.lastIndexOf(':') > lastSlash) bad(text, 'a repository has no tag (leave out the :tag)');
  return splitName(input, text);
}

/**
 * Docker's rule: a name's first component is a registry host when it has a dot or a port, is localhost, or is [IPv6].
 */
export function namesRegistry(name: string): boolean {
  const parts = name.split('/');
  return (
    parts.length > 1 &&
    (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost' || parts[0].startsWith('['))
  );
}

function splitName(name: string, text: string): Pick<ImageReference, 'registry' | 'repository'> {
  if (!name) bad(text, 'the repository is missing');
  const parts = name.split('/');
  let registry = DOCKER_HUB;
  if (namesRegistry(name)) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) bad(text, `${JSON.stringify(registry)} is not a registry host[:port]`);
    if (HUB_ALIASES.has(registry.toLowerCase())) registry = DOCKER_HUB;
  }
  if (parts.some((p) => p === '')) bad(text, 'it has an empty path component');
  const badPart = parts.find((p) => !COMPONENT.test(p));
  if (badPart !== undefined)
    bad(
      text,
      `${JSON.stringify(badPart)} is not a valid repository component (lower-case letters, digits, '.', '_', '-')`,
    );
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > 255) bad(text, 'it is longer than 255 characters');
  return { registry, repository };
}

/** The canonical text of a reference: registry/repository[:tag][@digest]. */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** registry/repository, the name tags and blobs belong to. */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`;
}

/** True for hosts Docker reaches over plain HTTP by default: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0];
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** The base URL of the registry's API: http for loopback and listed insecure registries, https otherwise. */
export function registryBaseUrl(registry: string, insecureRegistries: readonly string[] = []): string {
  const host = registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
  const plain = isLoopbackRegistry(registry) || insecureRegistries.includes(registry);
  return `${plain ? 'http' : 'https'}://${host}`;
}

/** The first 12 hex digits of a digest, as `docker images` shows them. */
export const shortDigest = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);
