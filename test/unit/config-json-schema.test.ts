import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SOURCE, DEFAULT_TIERS_AS_WRITTEN, LIMITS } from '../../src/config/defaults.js';
import { configJsonSchema, configJsonSchemaText } from '../../src/config/json-schema.js';
import { configSchema, validateConfig } from '../../src/config/schema.js';

const SCHEMA_FILE = new URL('../../schema/chaser.config.schema.json', import.meta.url);
const EXAMPLE_FILE = new URL('../../chaser.config.example.json', import.meta.url);

type JsonSchema = { properties?: Record<string, JsonSchema>; additionalProperties?: JsonSchema | boolean; items?: JsonSchema } & Record<
  string,
  unknown
>;

/** Every `properties` entry below `schema`, with its dot path. */
function propertiesOf(schema: JsonSchema, at = ''): Array<[string, JsonSchema]> {
  const found: Array<[string, JsonSchema]> = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    found.push([`${at}${key}`, child], ...propertiesOf(child, `${at}${key}.`));
  }
  if (schema.items) found.push(...propertiesOf(schema.items, `${at}[].`));
  if (typeof schema.additionalProperties === 'object') found.push(...propertiesOf(schema.additionalProperties, `${at}*.`));
  return found;
}

describe('the JSON Schema for editors', () => {
  it('is committed in sync with the config schema', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed, 'schema/chaser.config.schema.json is out of date: run npm run schema').toBe(configJsonSchemaText());
  });

  it('names itself and describes every key', () => {
    const schema = configJsonSchema() as JsonSchema;
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'chaser.config.schema.json',
      title: 'chaser configuration',
    });
    const undocumented = propertiesOf(schema)
      .filter(([, child]) => typeof child.description !== 'string' || child.description === '')
      .map(([key]) => key);
    expect(undocumented).toEqual([]);
  });

  it('flags unknown keys in the editor too', () => {
    const schema = configJsonSchema() as JsonSchema;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.['slack']?.additionalProperties).toBe(false);
    expect(schema.properties?.['tiers']?.items?.additionalProperties).toBe(false);
  });

  it('shows the input side: defaults, optional keys and limits as a user writes them', () => {
    const properties = (configJsonSchema() as JsonSchema).properties ?? {};
    expect(properties['tiers']?.['default']).toEqual(DEFAULT_TIERS_AS_WRITTEN);
    expect(properties['tiers']?.items?.['required']).toEqual(['name', 'afterDaysOverdue', 'every']);
    expect(properties['slack']?.properties?.['concurrency']).toMatchObject({
      type: 'integer',
      default: 8,
      ...{ minimum: LIMITS.concurrency.min, maximum: LIMITS.concurrency.max },
    });
    expect(properties['digest']).toMatchObject({ minProperties: 1 });
    expect(properties['digest']?.properties?.['every']).toMatchObject({ type: 'string', default: '1d' });
    expect(properties).not.toHaveProperty('required');
  });
});

describe('chaser.config.example.json', () => {
  it('validates', async () => {
    const example: unknown = JSON.parse(await readFile(EXAMPLE_FILE, 'utf8'));
    const result = validateConfig(example);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('writes out every top-level key, the default ladder and the default source mapping', async () => {
    const example = JSON.parse(await readFile(EXAMPLE_FILE, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(example).sort()).toEqual(Object.keys(configSchema.shape).sort());
    // Resolves where the README copies it: the project root, beside node_modules (test/integration/package.test.ts).
    expect(example['$schema']).toBe('./node_modules/rotation-chaser/schema/chaser.config.schema.json');
    // The default ladder, plus escalation on its louder tiers (off by default) to show how it is turned on.
    const ladder = (example['tiers'] as Array<Record<string, unknown>>).map(({ name, afterDaysOverdue, every, mention }) => ({
      name,
      afterDaysOverdue,
      every,
      mention,
    }));
    expect(ladder).toEqual(DEFAULT_TIERS_AS_WRITTEN);
    expect((example['tiers'] as Array<Record<string, unknown>>).map((t) => t['escalateAfterIgnored'])).toEqual([
      undefined,
      undefined,
      3,
      2,
    ]);
    expect(example['source']).toEqual(DEFAULT_SOURCE);
    expect(Object.keys(example['slack'] as object).sort()).toEqual(Object.keys(configSchema.shape.slack.unwrap().shape).sort());
    expect(Object.keys(example['database'] as object).sort()).toEqual(Object.keys(configSchema.shape.database.unwrap().shape).sort());
  });
});
