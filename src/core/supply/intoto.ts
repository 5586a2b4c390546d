/**
 * in-toto statements (v0.1 and v1) and the DSSE envelopes that carry them: parsed defensively, since they come from
 * a registry or an API and may be anything.
 */
export const IN_TOTO_PAYLOAD = 'application/vnd.in-toto+json';

export interface Statement {
  type: string;
  predicateType: string;
  /** sha256 digests named by the statement, as sha256:<hex>. */
  subjects: string[];
  predicate: Record<string, unknown>;
}

/** A statement from JSON bytes, or a reason why it is not one. */
export function parseStatement(bytes: Buffer): Statement | string {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (!isObject(json)) return 'not a JSON object';
  const type = json._type;
  if (typeof type !== 'string' || !/^https:\/\/in-toto\.io\/Statement\/v/.test(type))
    return `not an in-toto statement (_type ${JSON.stringify(type)})`;
  if (typeof json.predicateType !== 'string') return 'an in-toto statement without predicateType';
  const subjects = Array.isArray(json.subject)
    ? json.subject.flatMap((s) => {
        const hex = isObject(s) && isObject(s.digest) ? s.digest.sha256 : undefined;
        return typeof hex === 'string' && /^[a-f0-9]{64}$/.test(hex) ? [`sha256:${hex}`] : [];
      })
    : [];
  return {
    type,
    predicateType: json.predicateType,
    subjects,
    predicate: isObject(json.predicate) ? json.predicate : {},
  };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string at a path of plain objects, or undefined. */
export function str(v: unknown, ...path: string[]): string | undefined {
  let cur: unknown = v;
  for (const k of path) cur = isObject(cur) ? cur[k] : undefined;
  return typeof cur === 'string' && cur ? cur : undefined;
}

export function obj(v: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let cur: unknown = v;
  for (const k of path) cur = isObject(cur) ? cur[k] : undefined;
  return isObject(cur) ? cur : undefined;
}
