/**
 * The trust material signatures are checked against: a Sigstore trusted root (trusted_root.json, as
 * `gh attestation trusted-root` or sigstore's TUF repository hand it out) given as a file and cached, so
 * verification runs offline; and public keys for keyed signatures. Missing, stale and invalid roots are said so,
 * never papered over: without trust material nothing is called verified.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial } from '@sigstore/verify';
import { readSmallFileSync } from '../files';
import type { TrustStatus } from './types';

export interface TrustOptions {
  /** The configured trusted_root.json (absolute, or relative to `baseDir`); empty: the cached copy only. */
  trustedRoot?: string;
  /** PEM public keys for keyed signatures (files, absolute or relative to `baseDir`). */
  publicKeys?: string[];
  baseDir?: string;
  /** Older than this (by the file's modification time) is stale: refresh it. */
  maxAgeDays: number;
  /** Where the copy is kept; default $XDG_CACHE_HOME/release-operator or ~/.cache/release-operator. */
  cacheDir?: string;
  now?: () => Date;
}

export interface ConfiguredKey {
  /** The file it came from, as configured. */
  name: string;
  /** sha256 of the key's SubjectPublicKeyInfo: the hint keyed bundles are matched by. */
  hint: string;
  key: KeyObject;
}

export interface Trust {
  status: TrustStatus;
  /** The trusted root's material, when one was read. */
  root?: TrustedRoot;
  keys: ConfiguredKey[];
  /** Problems reading keys (a missing file, not a public key). */
  keyProblems: string[];
  /** Trust material for @sigstore/verify over the root (if any) and the keys. */
  material(): TrustMaterial;
  /** Transparency and certificate logs the root lists: their entries are then required, as Sigstore's clients do. */
  hasTlogs: boolean;
  hasCtlogs: boolean;
}

export const TRUSTED_ROOT_HINT =
  "Write one with `gh attestation trusted-root > trusted_root.json` (or take sigstore's from its TUF repository) and set supplyChain.trustedRoot to it.";

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'release-operator');
}

export function loadTrust(o: TrustOptions): Trust {
  const now = (o.now ?? (() => new Date()))();
  const base = o.baseDir ?? process.cwd();
  const cached = path.join(o.cacheDir ?? defaultCacheDir(), 'trusted_root.json');
  const given = o.trustedRoot ? path.resolve(base, o.trustedRoot) : undefined;
  const { keys, keyProblems } = loadKeys(o.publicKeys ?? [], base);
  const names = keys.map((k) => k.name);
  let source: string | undefined;
  let note = '';
  if (given && exists(given)) source = given;
  else if (exists(cached)) {
    source = cached;
    note = given ? ` (the configured ${given} is missing; using the copy cached from it)` : ' (the cached copy)';
  }
  if (!source) {
    return withMaterial(undefined, keys, keyProblems, {
      state: 'missing',
      reason: given
        ? `the trusted root ${given} does not exist and none is cached`
        : 'no trusted root is configured or cached',
      keys: names,
    });
  }
  let root: TrustedRoot;
  try {
    root = TrustedRoot.fromJSON(JSON.parse(readSmallFileSync(source, 64 * 1024 * 1024).toString('utf8')));
    toTrustMaterial(root); // parses every certificate and key now, so a broken root fails here with its reason
  } catch (e) {
    return withMaterial(undefined, keys, keyProblems, {
      state: 'invalid',
      path: source,
      reason: `${source} is not a usable Sigstore trusted root: ${(e as Error).message}`,
      keys: names,
    });
  }
  if (source === given) cacheCopy(given, cached);
  const ageDays = Math.floor((now.getTime() - statSync(source).mtimeMs) / 86_400_000);
  const ended = [...root.certificateAuthorities, ...root.timestampAuthorities].filter(
    (a) => a.validFor?.end && a.validFor.end < now,
  ).length;
  const total = root.certificateAuthorities.length + root.timestampAuthorities.length;
  const stale =
    ageDays > o.maxAgeDays
      ? `it is ${ageDays} days old (more than ${o.maxAgeDays}); refresh it`
      : total > 0 && ended === total
        ? 'every authority in it has ended'
        : undefined;
  return withMaterial(root, keys, keyProblems, {
    state: stale ? 'stale' : 'ok',
    path: source,
    ageDays,
    reason: stale
      ? `the trusted root ${source}${note} is stale: ${stale}`
      : `trusted root ${source}${note}, ${ageDays} days old`,
    keys: names,
  });
}

function withMaterial(
  root: TrustedRoot | undefined,
  keys: ConfiguredKey[],
  keyProblems: string[],
  status: TrustStatus,
): Trust {
  const empty: TrustedRoot = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
  } as unknown as TrustedRoot;
  return {
    status,
    root,
    keys,
    keyProblems,
    hasTlogs: (root?.tlogs.length ?? 0) > 0,
    hasCtlogs: (root?.ctlogs.length ?? 0) > 0,
    material: () =>
      toTrustMaterial(root ?? empty, (hint: string) => {
        const k = keys.find((x) => x.hint === hint);
        if (!k) throw new Error(`no configured public key has the hint ${hint}`);
        return { publicKey: k.key, validFor: () => true };
      }),
  };
}

function loadKeys(files: string[], base: string): { keys: ConfiguredKey[]; keyProblems: string[] } {
  const keys: ConfiguredKey[] = [];
  const keyProblems: string[] = [];
  for (const name of files) {
    try {
      const key = createPublicKey(readSmallFileSync(path.resolve(base, name)));
      const der = key.export({ type: 'spki', format: 'der' });
      keys.push({ name, hint: createHash('sha256').update(der).digest('hex'), key });
    } catch (e) {
      keyProblems.push(`the public key ${name} could not be read: ${(e as Error).message}`);
    }
  }
  return { keys, keyProblems };
}

function exists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Keeps the root for offline runs; the copy keeps the source's time, so its age stays the age of its content. */
function cacheCopy(from: string, to: string): void {
  try {
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    const st = statSync(from);
    utimesSync(to, st.atime, st.mtime);
  } catch {
    // A read-only cache only costs the offline copy; verification goes on with the given file.
  }
}
