import { getNamedType, isNonNullType, isObjectType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MEASURES, METRICS, metricsMarkdownTable, orderName } from '../../src/analytics/registry.ts';
import { buildSchema } from '../../src/schema/index.ts';

describe('metric registry', () => {
  it('generates the Metrics type: one field per leaf, nullable exactly when an empty bucket reads null', () => {
    const schema = buildSchema();
    const leafField = (path: string) => {
      let type = schema.getType('Metrics') as GraphQLObjectType;
      const parts = path.split('.');
      for (const part of parts.slice(0, -1)) type = getNamedType(type.getFields()[part].type) as GraphQLObjectType;
      return type.getFields()[parts[parts.length - 1]];
    };
    for (const { path, leaf } of MEASURES) {
      const field = leafField(path);
      expect(field, path).toBeDefined();
      expect(isNonNullType(field.type), path).toBe(leaf.empty === 'zero');
      expect(getNamedType(field.type).name, path).toBe(leaf.type);
      expect(field.description, path).toBeTruthy();
    }
    // Every field of the generated types comes from the registry and is described.
    const seen = new Set<string>();
    const walk = (type: GraphQLObjectType, prefix: string) => {
      for (const field of Object.values(type.getFields())) {
        const path = prefix ? `${prefix}.${field.name}` : field.name;
        expect(field.description, path).toBeTruthy();
        const named = getNamedType(field.type);
        if (isObjectType(named)) walk(named, path);
        else seen.add(path);
      }
    };
    // Other modules may add fields of their own to Metrics (monitoring's serviceScore and
    // targets); they are not registry measures, so only the registry's top-level names are walked.
    const metricsType = schema.getType('Metrics') as GraphQLObjectType;
    const top = new Set(METRICS.map((n) => n.name));
    for (const field of Object.values(metricsType.getFields())) {
      const named = getNamedType(field.type);
      if (!top.has(field.name)) continue;
      if (isObjectType(named)) walk(named, field.name);
      else seen.add(field.name);
    }
    expect([...seen].sort()).toEqual(MEASURES.map((m) => m.path).sort());
  });

  it('offers every leaf as a breakdown ordering, with unique names', () => {
    const names = MEASURES.map((m) => orderName(m.path));
    expect(new Set(names).size).toBe(names.length);
    expect(orderName('firstResponseTime.median')).toBe('FIRST_RESPONSE_TIME_MEDIAN');
    expect(orderName('sla.firstResponse.attainment')).toBe('SLA_FIRST_RESPONSE_ATTAINMENT');
    const values = (buildSchema().getType('MetricOrderField') as unknown as { getValues(): { name: string; value: unknown }[] }).getValues();
    const byName = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
    expect(values.map((v) => [v.name, v.value]).sort(byName)).toEqual(MEASURES.map((m) => [orderName(m.path), m.path]).sort(byName));
  });

  it('documents every leaf in the generated markdown table', () => {
    const table = metricsMarkdownTable();
    for (const { path } of MEASURES) expect(table).toContain(`| \`${path}\` |`);
    expect(table).toContain('| `backlog` | tickets | the end of the bucket');
    expect(table).toContain('| `csat.score` | percent | Feedback.createdAt | null |');
  });
});
