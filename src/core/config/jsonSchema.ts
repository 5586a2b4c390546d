import { SCHEMA, VERSION_SOURCES, type FieldSpec } from './schema';

type Json = Record<string, unknown>;

const SEVERITIES = ['off', 'error', 'warning', 'info'];

/**
 * The JSON Schema of release-operator.json, derived from the one config schema: editors use it for completion,
 * hover and errors (package.json contributes.jsonValidation points at the generated file). It accepts what
 * validateOverrides accepts: unknown keys are errors, "$schema" is allowed at the top, and a tag prefix may be null.
 */
export function configJsonSchema(): Json {
  const top = fieldSchema(SCHEMA, '');
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/release-operator/release-operator/schemas/release-operator.schema.json',
    title: 'release-operator.json',
    description:
      'Release Operator configuration for this repository. Settings, environment variables and flags override it.',
    ...top,
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema this file follows.' },
      ...(top.properties as Json),
    },
  };
}

function fieldSchema(spec: FieldSpec, key: string): Json {
  const doc = (s: Json) => ({
    ...('title' in spec && spec.title ? { title: spec.title } : {}),
    ...(spec.description ? { description: spec.description, markdownDescription: spec.description } : {}),
    ...s,
  });
  switch (spec.type) {
    case 'section':
      return doc({
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(
          Object.entries(spec.fields).map(([k, v]) => [k, fieldSchema(v, key ? `${key}.${k}` : k)]),
        ),
      });
    case 'string':
      return doc({
        type: spec.default === undefined ? ['string', 'null'] : 'string',
        ...(spec.default !== undefined ? { default: spec.default } : {}),
        ...(spec.enum ? { enum: [...spec.enum] } : {}),
        ...(spec.pattern ? { pattern: spec.pattern.source } : {}),
        ...(spec.patternHint ? { patternErrorMessage: `Expected ${spec.patternHint}.` } : {}),
      });
    case 'integer':
      return doc({
        type: 'integer',
        default: spec.default,
        ...(spec.min !== undefined ? { minimum: spec.min } : {}),
        ...(spec.max !== undefined ? { maximum: spec.max } : {}),
      });
    case 'boolean':
      return doc({ type: 'boolean', default: spec.default });
    case 'string[]': {
      const items: Json = { type: 'string' };
      if (spec.pattern) items.pattern = spec.pattern.source;
      if (key === 'versionSources') items.enum = [...VERSION_SOURCES];
      return doc({ type: 'array', items, default: [...spec.default] });
    }
    case 'map':
      return doc({
        type: 'object',
        additionalProperties: { type: 'string', ...(spec.valuePattern ? { pattern: spec.valuePattern.source } : {}) },
        ...(spec.keyPattern ? { propertyNames: { pattern: spec.keyPattern.source } } : {}),
        default: { ...spec.default },
      });
    case 'engines':
      return doc({
        type: 'object',
        propertyNames: { pattern: '^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$' },
        additionalProperties: {
          oneOf: [
            {
              type: 'object',
              properties: { context: { type: 'string', description: 'A docker context name.' } },
              required: ['context'],
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: {
                host: {
                  type: 'string',
                  pattern: '^(unix:///.+|tcp://[^/\\s]+|ssh://[^/\\s]+|npipe://.+)$',
                  description:
                    'An engine address as DOCKER_HOST takes it: unix:///path, tcp://HOST:PORT, ssh://USER@HOST.',
                },
              },
              required: ['host'],
              additionalProperties: false,
            },
          ],
        },
        default: {},
      });
    case 'images': {
      const top = SCHEMA.fields;
      return doc({
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'The name --image takes.' },
            image: { type: 'string', description: 'The registry/repository it publishes to.' },
            dockerfile: { type: 'string', description: 'Its Dockerfile, relative to the repository.' },
            context: { type: 'string', description: 'Its build context, relative to the repository.' },
            requiredPlatforms: fieldSchema(top.requiredPlatforms, 'requiredPlatforms'),
            smoke: fieldSchema(top.smoke, 'smoke'),
            tags: fieldSchema(top.tags, 'tags'),
            glibc: fieldSchema(top.glibc, 'glibc'),
          },
        },
        default: [],
      });
    }
    case 'ruleSeverities':
      return doc({
        type: 'object',
        propertyNames: { pattern: '^RO-[A-Z][0-9]{3}$' },
        additionalProperties: { type: 'string', enum: SEVERITIES },
        default: { ...spec.default },
      });
  }
}
