import { leafFields } from './schema';

/** The VS Code settings (package.json contributes.configuration) that the schema implies. */
export function settingsContribution(): { title: string; properties: Record<string, Record<string, unknown>> } {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [key, spec] of leafFields()) {
    const p: Record<string, unknown> = { markdownDescription: spec.description, default: spec.default };
    if (spec.title) p.title = spec.title;
    switch (spec.type) {
      case 'string':
        // A string without a default is "unset unless someone sets it" (the tag prefixes: unset is inferred);
        // VS Code needs a default, so unset is null there.
        p.type = spec.default === undefined ? ['string', 'null'] : 'string';
        if (spec.default === undefined) p.default = null;
        if (spec.enum) p.enum = [...spec.enum];
        if (spec.pattern) p.pattern = spec.pattern.source;
        if (spec.patternHint) p.patternErrorMessage = `Expected ${spec.patternHint}.`;
        break;
      case 'integer':
        p.type = 'integer';
        if (spec.min !== undefined) p.minimum = spec.min;
        if (spec.max !== undefined) p.maximum = spec.max;
        break;
      case 'boolean':
        p.type = 'boolean';
        break;
      case 'string[]':
        p.type = 'array';
        p.items = { type: 'string', ...(spec.pattern ? { pattern: spec.pattern.source } : {}) };
        break;
      case 'map':
        p.type = 'object';
        p.additionalProperties = {
          type: 'string',
          ...(spec.valuePattern ? { pattern: spec.valuePattern.source } : {}),
        };
        if (spec.keyPattern) p.propertyNames = { pattern: spec.keyPattern.source };
        break;
      case 'engines':
        p.type = 'object';
        p.additionalProperties = {
          type: 'object',
          properties: { context: { type: 'string' }, host: { type: 'string' } },
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
        };
        break;
      case 'images':
        p.type = 'array';
        p.items = { type: 'object', required: ['name'] };
        break;
      case 'ruleSeverities':
        p.type = 'object';
        p.additionalProperties = { type: 'string', enum: ['off', 'error', 'warning', 'info'] };
        break;
    }
    // Settings that make the extension run programs must come from the user, never from a cloned repository.
    if (['dockerPath', 'engines'].includes(key)) p.scope = 'machine-overridable';
    properties[`releaseOperator.${key}`] = p;
  }
  return { title: 'Release Operator', properties };
}

/**
 * The settings contribution as package.json holds it: every title, description and pattern message replaced by a
 * `%key%` placeholder whose English text goes to package.nls.json (and its translation to package.nls.zh-cn.json).
 */
export function localizedSettingsContribution(): {
  contribution: ReturnType<typeof settingsContribution>;
  strings: Record<string, string>;
} {
  const plain = settingsContribution();
  const strings: Record<string, string> = { 'configuration.title': plain.title };
  const properties: Record<string, Record<string, unknown>> = {};
  for (const [key, p] of Object.entries(plain.properties)) {
    const q = { ...p };
    for (const [field, suffix] of [
      ['title', 'title'],
      ['markdownDescription', 'description'],
      ['patternErrorMessage', 'patternErrorMessage'],
    ] as const) {
      if (typeof q[field] !== 'string') continue;
      strings[`${key}.${suffix}`] = q[field];
      q[field] = `%${key}.${suffix}%`;
    }
    properties[key] = q;
  }
  return { contribution: { title: '%configuration.title%', properties }, strings };
}
