import { usageError } from '../errors';
import type { DispatchInput } from './workflows';

/**
 * Checks and types `workflow_dispatch` inputs against the workflow file before anything is sent: unknown names,
 * a choice outside its options, a non-number, a missing required input are all refused here, with the
 * declared inputs in the hint. Values go to GitHub as strings (what every GitHub version accepts).
 */
export function prepareInputs(
  declared: DispatchInput[],
  given: Record<string, string>,
  workflow: string,
): { send: Record<string, string>; effective: Record<string, string> } {
  const known = new Map(declared.map((d) => [d.name, d]));
  const describe = () =>
    declared
      .map(
        (d) => `${d.name} (${d.type}${d.options ? `: ${d.options.join('|')}` : ''}${d.required ? ', required' : ''})`,
      )
      .join(', ') || 'none';
  const send: Record<string, string> = {};
  for (const [name, raw] of Object.entries(given)) {
    const d = known.get(name);
    if (!d) throw usageError(`Workflow ${workflow} has no input '${name}'.`, `Its inputs: ${describe()}.`);
    send[name] = typed(d, raw, workflow);
  }
  const effective: Record<string, string> = {};
  for (const d of declared) {
    if (d.name in send) effective[d.name] = send[d.name];
    else if (d.default !== undefined && d.default !== null && d.default !== '') effective[d.name] = String(d.default);
    else if (d.required)
      throw usageError(
        `Workflow ${workflow} needs the input '${d.name}'.`,
        `Pass --input ${d.name}=VALUE. Its inputs: ${describe()}.`,
      );
  }
  if (Object.keys(send).length > 25) throw usageError('GitHub accepts at most 25 inputs per dispatch.');
  return { send, effective };
}

function typed(d: DispatchInput, raw: string, workflow: string): string {
  const v = raw.trim();
  switch (d.type) {
    case 'boolean': {
      if (/^(true|yes|y|1|on)$/i.test(v)) return 'true';
      if (/^(false|no|n|0|off)$/i.test(v)) return 'false';
      throw usageError(`Input '${d.name}' of ${workflow} is a boolean; got '${raw}'.`, 'Use true/false (or yes/no).');
    }
    case 'number':
      if (v === '' || !Number.isFinite(Number(v)))
        throw usageError(`Input '${d.name}' of ${workflow} is a number; got '${raw}'.`);
      return String(Number(v));
    case 'choice':
      if (!d.options?.includes(raw))
        throw usageError(
          `Input '${d.name}' of ${workflow} must be one of ${d.options?.join(', ') ?? '(no options declared)'}; got '${raw}'.`,
        );
      return raw;
    case 'environment':
      if (!v) throw usageError(`Input '${d.name}' of ${workflow} names an environment; got an empty value.`);
      return v;
    default:
      return raw;
  }
}

/** Parses repeated KEY=VALUE flags. */
export function parseInputFlags(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw usageError(`--input expects KEY=VALUE; got '${p}'.`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}
