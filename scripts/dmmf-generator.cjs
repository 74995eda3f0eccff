#!/usr/bin/env node
// A Prisma generator that writes the parsed datamodel (models, fields, indexes) to JSON,
// so a test can compare the migrated database with schema.prisma without Prisma's
// native schema engine, which cannot be installed here.
const { generatorHandler } = require('@prisma/generator-helper');
const { mkdirSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');

generatorHandler({
  onManifest: () => ({ prettyName: 'Datamodel JSON', defaultOutput: '../src/generated/datamodel.json' }),
  onGenerate: async (options) => {
    const output = options.generator.output.value;
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, JSON.stringify(options.dmmf.datamodel, null, 2));
  },
});
