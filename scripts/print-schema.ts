import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchemaFile } from '../src/schema/print.ts';

// Rewrites schema.graphql from the builder; a test fails when the committed file is stale.
const path = fileURLToPath(new URL('../schema.graphql', import.meta.url));
writeFileSync(path, printSchemaFile());
console.log(`wrote ${path}`);
