import { getNamedType, isObjectType, parse, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MEASURES, METRICS, type MetricNode } from '../../src/analytics/registry.ts';
import { humanize, METRIC_UNIT_FORMATS } from '../../src/exports/labels.ts';
import { allColumns, planExport } from '../../src/exports/plan.ts';
import { buildSchema } from '../../src/schema/index.ts';

const schema = buildSchema();
const RANGE = '{ from: "2026-03-02T00:00:00Z", to: "2026-03-04T00:00:00Z" }';

/** A selection set for dotted paths: `a.b`, `a.c` → `a { b c }`. */
function selection(paths: string[]): string {
  const tree = new Map<string, string[]>();
  for (const path of paths) {
    const [head, ...rest] = path.split('.');
    tree.set(head, [...(tree.get(head) ?? []), ...(rest.length > 0 ? [rest.join('.')] : [])]);
  }
  return [...tree].map(([head, rest]) => (rest.length > 0 ? `${head} { ${selection(rest)} }` : head)).join(' ');
}

describe('export headers', () => {
  it('every registry unit has an export format (a metric with a new unit fails here until it gets one)', () => {
    const units = new Set(MEASURES.map((m) => m.leaf.unit));
    expect([...units].filter((unit) => !(unit in METRIC_UNIT_FORMATS))).toEqual([]);
  });

  it('every metric exports under its registry label with its unit, all headers distinct, none a raw path', () => {
    const query = `{ metrics(range: ${RANGE}) { ${selection(MEASURES.map((m) => m.path))} } }`;
    const columns = allColumns(planExport(schema, parse(query), null, {}, { allowSeveralTables: false }).tables[0].plan);
    expect(columns.map((c) => c.name)).toEqual(MEASURES.map((m) => `metrics.${m.path}`));
    const headers = columns.map((c) => c.header);
    expect(new Set(headers).size).toBe(headers.length);
    for (const [i, measure] of MEASURES.entries()) {
      expect(measure.leaf.label.trim(), measure.path).not.toBe('');
      expect(headers[i], measure.path).toContain(measure.leaf.label);
      expect(headers[i], measure.path).not.toContain('.');
      const unit = METRIC_UNIT_FORMATS[measure.leaf.unit].unit;
      if (unit) expect(headers[i], measure.path).toMatch(new RegExp(`\\(${unit}\\)$`));
    }
    // Spot checks, by hand from the labels in src/analytics/registry.ts.
    const header = (path: string) => headers[MEASURES.findIndex((m) => m.path === path)];
    expect(
      ['firstResponseTime.median', 'requesterWaitTime.p95', 'backlogAge.max', 'backlogAging.overSevenDays', 'sla.resolution.overrun.p99', 'sla.firstResponse.atRisk', 'surveys.responseRate', 'csat.score', 'nps.score', 'repliesPerSolvedTicket', 'oneTouchTickets'].map(header),
    ).toEqual([
      'First response time, median (h)',
      'Requester wait time, p95 (h)',
      'Backlog age, max (h)',
      'Backlog by age, 7 days or more',
      'SLA resolution overrun, p99 (h)',
      'SLA first response, at risk',
      'Surveys, response rate (%)',
      'CSAT, score (%)',
      'NPS, score (points)',
      'Replies per solved ticket',
      'One-touch tickets',
    ]);
  });

  it('every field under Metrics comes from the registry (so it has a label), except the declared non-metric fields', () => {
    // serviceScore and targets are objects of their own, labelled by their field names.
    const NOT_METRICS = new Set(['serviceScore', 'targets']);
    const unlabelled: string[] = [];
    const walk = (type: GraphQLObjectType, nodes: readonly MetricNode[], prefix: string) => {
      for (const field of Object.values(type.getFields())) {
        const path = prefix ? `${prefix}.${field.name}` : field.name;
        if (!prefix && NOT_METRICS.has(field.name)) continue;
        const node = nodes.find((n) => n.name === field.name);
        if (!node || !node.label) {
          unlabelled.push(path);
          continue;
        }
        const named = getNamedType(field.type);
        if (node.kind === 'group' && isObjectType(named)) walk(named, node.children, path);
      }
    };
    walk(schema.getType('Metrics') as GraphQLObjectType, METRICS, '');
    expect(unlabelled).toEqual([]);
  });

  it('other fields are headed by their names as words, with acronyms in capitals', () => {
    expect(['externalId', 'firstResponseSeconds', 'slaState', 'csat', 'upper95', 'closedButBusy', 'webhookUrl'].map(humanize)).toEqual([
      'external ID',
      'first response seconds',
      'SLA state',
      'CSAT',
      'upper 95',
      'closed but busy',
      'webhook URL',
    ]);
  });
});
