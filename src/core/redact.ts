/**
 * Secrets (tokens, passwords, basic-auth strings) are registered once, where they are read, and every piece of
 * text that leaves the engine (logs, errors, process output shown to a person) passes through redact().
 * Registration is process-wide on purpose: a token read by the registry client must also be hidden from
 * a docker error message that happens to echo it.
 */
const secrets = new Set<string>();
const MIN_SECRET_LENGTH = 4;

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  // The base64 forms appear in Basic auth headers and docker config files.
  secrets.add(Buffer.from(value).toString('base64'));
}

/** Well-known token shapes are hidden even when nobody registered them (a token pasted into an env var). */
const TOKEN_PATTERNS: RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
];

export function redact(text: string): string {
  let out = text;
  // Longest first, so a secret that contains another one is hidden whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  for (const re of TOKEN_PATTERNS) {
    out = out.replace(re, (m) =>
      m.startsWith('Bearer') || m.startsWith('Basic') ? `${m.split(/\s+/)[0]} ***` : '***',
    );
  }
  return out;
}

/** For tests: forget registered secrets. */
export function clearSecretsForTests(): void {
  secrets.clear();
}
