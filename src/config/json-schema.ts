import { z } from 'zod';
import { configSchema } from './schema.js';

/**
 * A JSON Schema for editors (completion, hover text, red squiggles), generated from the very
 * schema `validateConfig` uses, so the two cannot drift. Input side: keys with defaults are
 * optional and show their default. Draft-07, the draft editors support best.
 * The validator remains the authority: a few rules (non-zero durations, tier order, unique
 * names, template placeholders) cannot be expressed here.
 */

/** Relative on purpose: chaser has no canonical URL for it yet; files reference it by path. */
const SCHEMA_ID = 'chaser.config.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: 'chaser configuration',
    ...rest,
  };
}

/** The committed file's exact text (pretty, trailing newline); the write script and the sync test share it. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
