import { usageError } from '../errors';
import { type ReleaseOperatorConfig, RETENTION_RULE } from '../config/schema';
import { movingTagOf, versionOfImageTag } from '../version/order';

/** One retention rule: which tags it governs and what of them it keeps. */
export interface RetentionRule {
  pattern: string;
  /** Keep the newest N of the tags it matches. */
  keepNewest?: number;
  /** And keep any younger than this. */
  keepYoungerThanMs?: number;
  /** The rule as written ("10 14d"). */
  text: string;
}

export interface RetentionPolicy {
  rules: RetentionRule[];
  protect: string[];
  /** The configured image tag prefix (v1.2.3 -> "v"); undefined: inferred from the repository's tags when planning. */
  imagePrefix?: string;
}

/** Why a tag stays or goes before any age is known (rule tags are decided later, by age). */
export type TagClass =
  | { kind: 'release'; version: string }
  | { kind: 'moving' }
  | { kind: 'protected'; pattern: string }
  | { kind: 'rule'; rule: RetentionRule }
  | { kind: 'no-rule' };

/** The policy the configuration describes; a malformed rule is a usage error naming the key. */
export function policyFromConfig(config: ReleaseOperatorConfig): RetentionPolicy {
  const rules = Object.entries(config.retention.rules).map(([pattern, text]) => parseRule(pattern, text));
  return { rules, protect: [...config.retention.protect], imagePrefix: config.tags.imagePrefix };
}

export function parseRule(pattern: string, text: string): RetentionRule {
  if (!RETENTION_RULE.test(text))
    throw usageError(
      `retention.rules.${pattern}: ${JSON.stringify(text)} is not a retention rule.`,
      'Write "N" (keep the newest N), "14d" (keep anything younger than 14 days; also "36h") or both, "10 14d".',
    );
  const newest = /^\s*(\d+)(?![\dhd])/.exec(text);
  const age = /(\d+)([dh])\s*$/.exec(text);
  return {
    pattern,
    text: text.trim(),
    keepNewest: newest ? Number(newest[1]) : undefined,
    keepYoungerThanMs: age ? Number(age[1]) * (age[2] === 'd' ? 86_400_000 : 3_600_000) : undefined,
  };
}

/** `*` matches any text (also none), `?` one character; everything else matches itself. */
export function globMatches(pattern: string, text: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

/**
 * The class of an ordinary tag under the image prefix (artifact tags such as sha256-<hex>.sig are decided by their
 * subject instead).
 */
export function classifyTag(tag: string, policy: RetentionPolicy, imagePrefix: string): TagClass {
  const version = versionOfImageTag(tag, imagePrefix);
  if (version) return { kind: 'release', version };
  if (movingTagOf(tag, imagePrefix)) return { kind: 'moving' };
  const protectedBy = policy.protect.find((p) => globMatches(p, tag));
  if (protectedBy) return { kind: 'protected', pattern: protectedBy };
  const rule = policy.rules.find((r) => globMatches(r.pattern, tag));
  return rule ? { kind: 'rule', rule } : { kind: 'no-rule' };
}

/** "keep the newest 10 and anything younger than 14d" */
export function describeRule(rule: RetentionRule): string {
  const parts = [
    rule.keepNewest !== undefined && `the newest ${rule.keepNewest}`,
    rule.keepYoungerThanMs !== undefined && `anything younger than ${formatAge(rule.keepYoungerThanMs)}`,
  ].filter(Boolean);
  return `${rule.pattern} keeps ${parts.join(' and ')}`;
}

/** 14d, 36h, 45m: the unit a person would say. */
export function formatAge(ms: number): string {
  const h = ms / 3_600_000;
  if (h >= 48 && Number.isInteger(h / 24)) return `${h / 24}d`;
  if (h >= 48) return `${Math.floor(h / 24)}d`;
  if (h >= 1) return `${Math.floor(h)}h`;
  return `${Math.max(0, Math.floor(ms / 60_000))}m`;
}

/**
 * Orders tag names newest-looking first where their times tie: numbers inside compare as numbers, so
 * candidate-200 comes before candidate-99 (no locale involved: the plan must not depend on the machine).
 */
export function naturalCompare(a: string, b: string): number {
  const split = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = split(a);
  const y = split(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i];
    const q = y[i];
    if (p === q) continue;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    if (numeric) {
      const d = BigInt(p) - BigInt(q);
      if (d !== 0n) return d < 0n ? -1 : 1;
      return p.length - q.length;
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}
