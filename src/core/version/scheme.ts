import type { ReleaseOperatorConfig } from '../config/schema';
import type { Basis, CheckFinding } from '../report';
import { versionOfImageTag } from './order';
import { describePrefix, inferPrefix, type PrefixInference } from './prefix';

/** The tag scheme with both prefixes decided: what the tag plan and every tag check work with. */
export interface TagRules {
  gitPrefix: string;
  imagePrefix: string;
  minor: boolean;
  major: boolean;
  latest: boolean;
  sha: boolean;
  shaLength: number;
}

/** The scheme and what it rests on: where each prefix came from, and what is odd about the tags it came from. */
export interface TagScheme extends TagRules {
  /** One per prefix: configured, inferred from the tags (with the count), or the default. */
  basis: Basis[];
  /** Version tags that follow several prefixes (warning; error when no prefix has a clear majority). */
  findings: CheckFinding[];
}

/** The prefix when nothing is configured and no version tag says: v1.2.3, as before inference existed. */
const DEFAULT_PREFIX = 'v';

export interface PrefixChoice {
  prefix: string;
  basis: Basis;
  finding?: CheckFinding;
  inference?: PrefixInference;
}

const KEYS = { git: 'tags.gitPrefix', image: 'tags.imagePrefix' } as const;
const SUBJECT = { git: 'git tags', image: 'image tags' } as const;

/**
 * One prefix: the configured one wins; else the prefix most version-shaped `tags` follow; else the default.
 * `tags` undefined: they could not be read (`unread` says why), so only configuration or the default can decide.
 */
export function choosePrefix(
  kind: 'git' | 'image',
  configured: string | undefined,
  tags: readonly string[] | undefined,
  unread = 'not read',
): PrefixChoice {
  const subject = SUBJECT[kind];
  if (configured !== undefined)
    return {
      prefix: configured,
      basis: { subject, value: describePrefix(configured), source: 'configured', detail: KEYS[kind] },
    };
  if (!tags) {
    return {
      prefix: DEFAULT_PREFIX,
      basis: { subject, value: describePrefix(DEFAULT_PREFIX), source: 'default', detail: `${subject} ${unread}` },
    };
  }
  const inference = inferPrefix(tags);
  if (inference.prefix === undefined)
    return {
      prefix: DEFAULT_PREFIX,
      inference,
      basis: {
        subject,
        value: describePrefix(DEFAULT_PREFIX),
        source: 'default',
        detail: tags.length
          ? `no version tags among ${tags.length} tag${tags.length === 1 ? '' : 's'}`
          : `no ${subject} to infer from`,
      },
    };
  const basis: Basis = {
    subject,
    value: describePrefix(inference.prefix),
    source: 'inferred',
    detail: `${inference.following} of ${inference.total} version tags`,
  };
  return { prefix: inference.prefix, basis, inference, finding: mixedFinding(kind, inference) };
}

function mixedFinding(kind: 'git' | 'image', inf: PrefixInference): CheckFinding | undefined {
  if (!inf.mixed) return undefined;
  const schemes = inf.schemes
    .map((s) => `${describePrefix(s.prefix)} (${s.count}, e.g. ${s.examples.slice(0, 2).join(', ')})`)
    .join(', ');
  const chosen = describePrefix(inf.prefix!);
  return {
    severity: inf.ambiguous ? 'error' : 'warning',
    rule: 'mixed-prefix',
    subject: SUBJECT[kind],
    message: `${SUBJECT[kind]} follow ${inf.schemes.length} version schemes: ${schemes}; ${
      inf.ambiguous
        ? `none has a clear majority, so the checks cannot tell which is yours (they used ${chosen})`
        : `the checks used ${chosen}, which most follow`
    }. Set ${KEYS[kind]} in release-operator.json to say which is yours.`,
    evidence: { schemes: inf.schemes.map((s) => ({ prefix: s.prefix, count: s.count, examples: s.examples })) },
  };
}

/**
 * The scheme for a repository: the configured switches, and each prefix configured or inferred from the tags
 * seen (git tags for the git prefix, the registry's tags for the image prefix).
 */
export function resolveScheme(
  tags: ReleaseOperatorConfig['tags'],
  seen: { gitTags?: readonly string[]; imageTags?: readonly string[]; imageTagsUnread?: string } = {},
): TagScheme {
  const git = choosePrefix('git', tags.gitPrefix, seen.gitTags);
  const image = choosePrefix('image', tags.imagePrefix, seen.imageTags, seen.imageTagsUnread);
  return {
    gitPrefix: git.prefix,
    imagePrefix: image.prefix,
    minor: tags.minor,
    major: tags.major,
    latest: tags.latest,
    sha: tags.sha,
    shaLength: tags.shaLength,
    // The git prefix is only worth saying where it was configured or read (verify never reads git).
    basis: seen.gitTags || tags.gitPrefix !== undefined ? [git.basis, image.basis] : [image.basis],
    findings: [git.finding, image.finding].filter((f): f is CheckFinding => Boolean(f)),
  };
}

/** The image prefix read from a registry's tags (configured, inferred or default) and the versions those tags name. */
export interface ImageTagScheme {
  imagePrefix: string;
  scheme: Basis;
  schemeFinding?: CheckFinding;
  /** Versions that have an image tag under the prefix: what a tag plan counts as released. */
  versions: string[];
}

export function imageTagScheme(tags: ReleaseOperatorConfig['tags'], imageTags: readonly string[]): ImageTagScheme {
  const choice = choosePrefix('image', tags.imagePrefix, imageTags);
  const versions = imageTags.flatMap((t) => versionOfImageTag(t, choice.prefix) ?? []);
  return { imagePrefix: choice.prefix, scheme: choice.basis, schemeFinding: choice.finding, versions };
}
