import path from 'node:path';
import { usageError } from '../errors';
import { readRegularText } from '../files';
import { imageEntries } from './images';
import {
  type FieldSpec,
  RESTRICTED_KEYS,
  SCHEMA,
  VERSION_SOURCES,
  type ConfigOverrides,
  type ReleaseOperatorConfig,
} from './schema';

export const CONFIG_FILE = 'release-operator.json';

export function defaultConfig(): ReleaseOperatorConfig {
  return build(SCHEMA) as ReleaseOperatorConfig;
  function build(spec: FieldSpec): unknown {
    if (spec.type === 'section') return Object.fromEntries(Object.entries(spec.fields).map(([k, v]) => [k, build(v)]));
    const d = spec.default;
    return Array.isArray(d) ? [...(d as unknown[])] : d && typeof d === 'object' ? { ...d } : d;
  }
}

const SEVERITIES = ['off', 'error', 'warning', 'info'];

/**
 * Checks an untrusted object (a parsed file, settings, flags) against the schema. Every problem names the
 * source, the dotted key and what was expected; unknown keys are refused because a typo would otherwise be
 * silently ignored.
 */
export function validateOverrides(input: unknown, source: string): ConfigOverrides {
  const problems: string[] = [];
  const out = walk(SCHEMA, input, '');
  if (problems.length) {
    throw usageError(`Invalid configuration in ${source}:\n  ${problems.join('\n  ')}`, `Fix ${source} and run again.`);
  }
  return out ?? {};

  function walk(spec: FieldSpec, value: unknown, key: string): unknown {
    const at = key || '(top level)';
    const got = () => `got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)}`;
    switch (spec.type) {
      case 'section': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          problems.push(`${at}: expected an object, ${got()}`);
          return undefined;
        }
        const result: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          if (k === '$schema') continue;
          // Own keys only: `__proto__` or `constructor` must not find Object.prototype's members.
          const child = Object.hasOwn(spec.fields, k) ? spec.fields[k] : undefined;
          const childKey = key ? `${key}.${k}` : k;
          if (!child) {
            problems.push(`${childKey}: unknown key (known: ${Object.keys(spec.fields).join(', ')})`);
            continue;
          }
          const r = walk(child, v, childKey);
          if (r !== undefined) result[k] = r;
        }
        return result;
      }
      case 'string':
        // null for a key without a default means unset (VS Code's way of saying "not configured").
        if (value === null && spec.default === undefined) return undefined;
        if (typeof value !== 'string') return void problems.push(`${at}: expected a string, ${got()}`);
        if (spec.enum && !spec.enum.includes(value))
          return void problems.push(`${at}: expected one of ${spec.enum.join(', ')}, ${got()}`);
        if (spec.pattern && !spec.pattern.test(value))
          return void problems.push(
            `${at}: expected ${spec.patternHint ?? `text matching ${spec.pattern.source}`}, ${got()}`,
          );
        return value;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value))
          return void problems.push(`${at}: expected an integer, ${got()}`);
        if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
          return void problems.push(`${at}: expected an integer from ${spec.min} to ${spec.max}, ${got()}`);
        return value;
      case 'boolean':
        if (typeof value !== 'boolean') return void problems.push(`${at}: expected true or false, ${got()}`);
        return value;
      case 'string[]': {
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
          return void problems.push(`${at}: expected a list of strings, ${got()}`);
        const items = value as string[];
        const bad = spec.pattern ? items.filter((v) => !spec.pattern!.test(v)) : [];
        if (bad.length)
          return void problems.push(
            `${at}: ${bad.map((b) => JSON.stringify(b)).join(', ')} is not of the form os/architecture[/variant]`,
          );
        if (key === 'versionSources') {
          const unknown = items.filter((v) => !(VERSION_SOURCES as readonly string[]).includes(v));
          if (unknown.length)
            return void problems.push(
              `${at}: unknown source ${unknown.join(', ')} (known: ${VERSION_SOURCES.join(', ')})`,
            );
        }
        return [...items];
      }
      case 'engines':
        return engines(value, at);
      case 'images':
        return images(value, at);
      case 'map':
      case 'ruleSeverities': {
        if (value === null || typeof value !== 'object' || Array.isArray(value))
          return void problems.push(`${at}: expected an object of strings, ${got()}`);
        const entries = Object.entries(value);
        const notString = entries.filter(([, v]) => typeof v !== 'string');
        if (notString.length)
          return void problems.push(
            `${at}.${notString[0][0]}: expected a string, got ${JSON.stringify(notString[0][1])}`,
          );
        if (spec.type === 'map') {
          const badKey = spec.keyPattern ? entries.find(([k]) => !spec.keyPattern!.test(k)) : undefined;
          if (badKey)
            return void problems.push(`${at}: key ${JSON.stringify(badKey[0])} is not ${spec.keyHint ?? 'allowed'}`);
          const badValue = spec.valuePattern
            ? entries.find(([, v]) => !spec.valuePattern!.test(v as string))
            : undefined;
          if (badValue)
            return void problems.push(
              `${at}.${badValue[0]}: expected ${spec.valueHint ?? `text matching ${spec.valuePattern!.source}`}, got ${JSON.stringify(badValue[1])}`,
            );
        }
        if (spec.type === 'ruleSeverities') {
          const bad = entries.filter(([, v]) => !SEVERITIES.includes(v as string));
          if (bad.length)
            return void problems.push(
              `${at}.${bad[0][0]}: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(bad[0][1])}`,
            );
        }
        return { ...(value as Record<string, string>) };
      }
    }
  }

  /** `images`: a list of entries, each checked against the top-level keys it may override. */
  function images(value: unknown, at: string): unknown {
    if (!Array.isArray(value)) return void problems.push(`${at}: expected a list of images ({ "name": ..., ... })`);
    const names = new Set<string>();
    return value.flatMap((entry: unknown, i) => {
      const here = `${at}[${i}]`;
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        problems.push(`${here}: expected an object with at least "name"`);
        return [];
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        const field = IMAGE_FIELDS[k];
        if (!field) {
          problems.push(`${here}.${k}: unknown key (known: ${Object.keys(IMAGE_FIELDS).join(', ')})`);
          continue;
        }
        const r = walk(field, v, `${here}.${k}`);
        if (r !== undefined) out[k] = r;
      }
      const name = out.name as string | undefined;
      if (typeof name !== 'string') problems.push(`${here}.name: every image needs a name, e.g. "app"`);
      else if (!IMAGE_NAME.test(name))
        problems.push(`${here}.name: ${JSON.stringify(name)} is not a name (lower-case letters, digits, . _ -)`);
      else if (names.has(name)) problems.push(`${here}.name: "${name}" is named twice`);
      else names.add(name);
      if (value.length > 1 && !out.image)
        problems.push(`${here}.image: needed when there are several images (the registry/repository it publishes to)`);
      return [out];
    });
  }

  /** `engines`: platform -> { context } | { host }, each checked so a typo fails here, not mid-run. */
  function engines(value: unknown, at: string): unknown {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return void problems.push(`${at}: expected an object of platform -> { "context": NAME } or { "host": URL }`);
    const out: Record<string, unknown> = {};
    for (const [platform, spec] of Object.entries(value)) {
      const here = `${at}.${platform}`;
      if (!PLATFORM_KEY.test(platform)) {
        problems.push(`${here}: ${JSON.stringify(platform)} is not of the form os/architecture[/variant]`);
        continue;
      }
      const keys = spec && typeof spec === 'object' && !Array.isArray(spec) ? Object.keys(spec as object) : [];
      const o = spec as Record<string, unknown>;
      if (keys.length !== 1 || !['context', 'host'].includes(keys[0]) || typeof o[keys[0]] !== 'string') {
        problems.push(
          `${here}: expected { "context": NAME } or { "host": "unix:///...|tcp://HOST:PORT|ssh://USER@HOST" }, ` +
            `got ${JSON.stringify(spec)?.slice(0, 60)}`,
        );
        continue;
      }
      const text = o[keys[0]] as string;
      if (keys[0] === 'host' && !ENGINE_HOST.test(text))
        problems.push(
          `${here}.host: ${JSON.stringify(text)} is not an engine address (unix:///path, tcp://HOST:PORT, ssh://USER@HOST)`,
        );
      else if (keys[0] === 'context' && !CONTEXT_NAME.test(text))
        problems.push(`${here}.context: ${JSON.stringify(text)} is not a docker context name`);
      else out[platform] = { [keys[0]]: text };
    }
    return out;
  }
}

/** Engine addresses the docker CLI dials itself (config engines); anything else is refused here. */
const ENGINE_HOST = /^(unix:\/\/\/.+|tcp:\/\/[^/\s]+|ssh:\/\/[^/\s]+|npipe:\/\/.+)$/;
/** Docker's rule for context names. */
const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/;
const IMAGE_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const TOP = SCHEMA.fields as Record<string, FieldSpec>;
/** What an entry of `images` may say; its sections are checked as the top-level ones are. */
const IMAGE_FIELDS: Record<string, FieldSpec> = {
  name: { type: 'string', description: 'name' },
  image: { type: 'string', description: 'image' },
  dockerfile: { type: 'string', description: 'dockerfile' },
  context: { type: 'string', description: 'context' },
  requiredPlatforms: TOP.requiredPlatforms,
  smoke: TOP.smoke,
  tags: TOP.tags,
  glibc: TOP.glibc,
};

const PLATFORM_KEY = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;

/** Later layers win; sections merge key by key, lists and maps are replaced whole. */
export function mergeConfig(
  base: ReleaseOperatorConfig,
  ...layers: Array<ConfigOverrides | undefined>
): ReleaseOperatorConfig {
  const out = structuredClone(base) as unknown as Record<string, unknown>;
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const cur = out[k];
      if (
        cur &&
        typeof cur === 'object' &&
        !Array.isArray(cur) &&
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        isSection(k)
      ) {
        out[k] = { ...cur, ...Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) };
      } else out[k] = v;
    }
  }
  return out as unknown as ReleaseOperatorConfig;
}

function isSection(key: string): boolean {
  return (SCHEMA.fields as Record<string, FieldSpec>)[key]?.type === 'section';
}

/**
 * Reads release-operator.json at the repository root, if there is one: a regular file inside the root, bounded; one
 * that exists and cannot be read is an environment fault, never the defaults in silence.
 */
export async function readConfigFile(root: string): Promise<{ file?: string; overrides?: ConfigOverrides }> {
  const file = path.join(root, CONFIG_FILE);
  const text = await readRegularText(root, CONFIG_FILE);
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw usageError(
      `${file} is not valid JSON: ${(e as Error).message}`,
      'Fix the file, or remove it to use the defaults.',
    );
  }
  return { file, overrides: validateOverrides(parsed, file) };
}

/**
 * defaults -> `environment` (what the machine says, e.g. GITHUB_API_URL) -> release-operator.json -> settings or
 * flags. `untrusted`: the file's RESTRICTED_KEYS are left out (listed in `ignored`), so a repository opened in an
 * untrusted workspace cannot choose what runs.
 */
export async function loadConfig(
  root: string,
  overrides?: ConfigOverrides,
  opts: { untrusted?: boolean; environment?: ConfigOverrides } = {},
): Promise<{ config: ReleaseOperatorConfig; file?: string; ignored: string[] }> {
  const { file, overrides: fromFile } = await readConfigFile(root);
  const ignored: string[] = [];
  if (opts.untrusted && fromFile) {
    for (const key of RESTRICTED_KEYS) {
      const parts = key.split('.');
      const parent = parts
        .slice(0, -1)
        .reduce<Record<string, unknown> | undefined>(
          (o, p) => o?.[p] as Record<string, unknown> | undefined,
          fromFile as Record<string, unknown>,
        );
      if (parent && parts.at(-1)! in parent) {
        delete parent[parts.at(-1)!];
        ignored.push(key);
      }
      // An image entry's smoke section may say the same (images[0].smoke.env): left out just as well.
      if (parts[0] === 'smoke')
        for (const [i, entry] of (fromFile.images ?? []).entries()) {
          const smoke = entry.smoke as Record<string, unknown> | undefined;
          if (smoke && parts[1] in smoke) {
            delete smoke[parts[1]];
            ignored.push(`images[${i}].${key}`);
          }
        }
    }
  }
  const config = mergeConfig(defaultConfig(), opts.environment, fromFile, overrides);
  // Normalized here: every entry whole, one from the top-level keys when none is listed.
  config.images = imageEntries(config);
  return { config, file, ignored };
}

/** The platforms the smoke gate runs by default: its own list, else the required platforms. */
export function smokePlatforms(config: ReleaseOperatorConfig): string[] {
  return config.smoke.platforms.length ? config.smoke.platforms : config.requiredPlatforms;
}
