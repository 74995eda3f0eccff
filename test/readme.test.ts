import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../src/schema/index.ts';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README', () => {
  it('starts with the two commands a newcomer needs', () => {
    const firstScreen = readme.split('\n').slice(0, 15).join('\n');
    expect(firstScreen).toMatch(/npm install && npm start/);
    expect(firstScreen).toMatch(/npm test/);
  });

  it.each(blocks.map((block, i) => [i, block] as const))('example query %i is valid against the schema', (_i, block) => {
    const errors = validate(buildSchema(), parse(block));
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});
