// Regenerates schema/chaser.config.schema.json from the built config schema (run `npm run schema`).
import { mkdir, writeFile } from 'node:fs/promises';
import { configJsonSchemaText } from '../dist/config/json-schema.js';

const target = new URL('../schema/chaser.config.schema.json', import.meta.url);
await mkdir(new URL('.', target), { recursive: true });
await writeFile(target, configJsonSchemaText());
console.log(`wrote ${target.pathname}`);
