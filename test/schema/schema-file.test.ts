import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/schema/index.ts';
import { printSchemaFile } from '../../src/schema/print.ts';

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

/** Every type, field, argument and enum value in our schema that lacks a description. */
function undescribed(): string[] {
  const missing: string[] = [];
  const types = Object.values(buildSchema().getTypeMap()) as GraphQLNamedType[];
  for (const type of types) {
    if (type.name.startsWith('__') || BUILT_IN_SCALARS.has(type.name)) continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
    } else if (isUnionType(type) && !type.description) missing.push(type.name);
  }
  return missing;
}

describe('schema.graphql', () => {
  it('is the printed schema of the builder (run `npm run schema` after an API change)', () => {
    const committed = readFileSync(fileURLToPath(new URL('../../schema.graphql', import.meta.url)), 'utf8');
    expect(committed).toBe(printSchemaFile());
  });

  it('describes every type, field, argument and enum value', () => {
    expect(undescribed()).toEqual([]);
  });
});
