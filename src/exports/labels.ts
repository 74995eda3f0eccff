import { METRICS, type MetricLeaf, type MetricNode } from '../analytics/registry.ts';

/**
 * How a column's values are written: the unit decides the spreadsheet cell type, the
 * number format and the rounding.
 * - `duration`: a duration metric (seconds in the API) written in hours;
 * - `seconds`: a raw `*Seconds` field, written in seconds as it is;
 * - `percent`: a fraction 0..1, written as a percentage (CSV: 25 for 0.25; XLSX: 0.25 shown as 25.0 %).
 */
export type ColumnKind = 'text' | 'number' | 'boolean' | 'datetime' | 'duration' | 'seconds' | 'percent' | 'list' | 'json';

/** One step from a row item down to a column's value: the schema field it reads and the key it answers under. */
export interface FieldSegment {
  /** The object type the field is on. */
  parentType: string;
  field: string;
  /** The response key (the alias, when the query gives one). */
  key: string;
  /** The named type the field returns. */
  type: string;
}

/** How a column is written in CSV and XLSX: its cell kind, the decimals it is rounded to, and the unit its header states. */
export interface ColumnFormat {
  kind: ColumnKind;
  /** Decimals of the written number (after the hours or percent conversion); null for non-numbers. */
  decimals: number | null;
  /** The unit the header ends with, e.g. `h` → `First response time, median (h)`; null for none. */
  unit: string | null;
}

/**
 * Precision per cell kind, applied by the CSV and XLSX writers only (JSON and the API keep
 * full precision): hours 2 decimals, percentages 1 decimal, raw seconds whole seconds.
 */
export const KIND_FORMATS = {
  duration: { kind: 'duration', decimals: 2, unit: 'h' },
  seconds: { kind: 'seconds', decimals: 0, unit: 's' },
  percent: { kind: 'percent', decimals: 1, unit: '%' },
  count: { kind: 'number', decimals: 0, unit: null },
  float: { kind: 'number', decimals: 2, unit: null },
} as const satisfies Record<string, ColumnFormat>;

/**
 * How each registry unit is exported. Every unit the metric registry uses must be here
 * (test/exports/labels.test.ts checks), so a metric with a new unit cannot export unlabelled.
 */
export const METRIC_UNIT_FORMATS: Record<string, ColumnFormat> = {
  seconds: KIND_FORMATS.duration,
  'fraction 0..1': KIND_FORMATS.percent,
  tickets: KIND_FORMATS.count,
  responses: KIND_FORMATS.count,
  replies: KIND_FORMATS.count,
  surveys: KIND_FORMATS.count,
  // CSAT score is already in percent 0..100: rounded, not converted.
  percent: { kind: 'number', decimals: 1, unit: '%' },
  'NPS points': { kind: 'number', decimals: 1, unit: 'points' },
  rating: { kind: 'number', decimals: 2, unit: null },
  'replies per ticket': { kind: 'number', decimals: 2, unit: null },
};

const NUMBER_SCALARS = new Set(['Int', 'Float', 'NonNegativeInt', 'PositiveInt', 'NonNegativeFloat', 'PositiveFloat', 'BigInt']);
const INT_SCALARS = new Set(['Int', 'NonNegativeInt', 'PositiveInt', 'BigInt']);

/** The registry node at each dotted path (groups and leaves). */
const NODES = new Map<string, MetricNode>();
(function index(nodes: readonly MetricNode[], prefix: string) {
  for (const node of nodes) {
    const path = prefix ? `${prefix}.${node.name}` : node.name;
    NODES.set(path, node);
    if (node.kind === 'group') index(node.children, path);
  }
})(METRICS, '');

/** The segments below the last Metrics object of a trail, when the trail reads a registry leaf. */
function metricTrail(segments: readonly FieldSegment[]): { context: FieldSegment[]; metric: FieldSegment[]; leaf: MetricLeaf } | null {
  let start = -1;
  segments.forEach((segment, i) => {
    if (segment.type === 'Metrics') start = i;
  });
  if (start < 0 || start === segments.length - 1) return null;
  const metric = segments.slice(start + 1);
  const node = NODES.get(metric.map((s) => s.field).join('.'));
  if (!node || node.kind !== 'leaf') return null;
  return { context: segments.slice(0, start + 1), metric, leaf: node };
}

/**
 * The cell kind, rounding and unit of a leaf column: a registry metric by its declared unit;
 * any other field by its GraphQL type and name (DateTime a date, `*Seconds` raw seconds,
 * `*Rate` and `attainment` fractions as percentages, Int counts, Float 2 decimals).
 */
export function columnFormat(segments: readonly FieldSegment[], isList: boolean): ColumnFormat {
  const none = (kind: ColumnKind): ColumnFormat => ({ kind, decimals: null, unit: null });
  if (isList) return none('list');
  const last = segments[segments.length - 1];
  if (!last) return none('text');
  const metric = metricTrail(segments);
  if (metric) {
    const format = METRIC_UNIT_FORMATS[metric.leaf.unit];
    if (format) return format;
  }
  const type = last.type;
  if (type === 'DateTime') return none('datetime');
  if (type === 'Boolean') return none('boolean');
  if (type === 'JSON' || type === 'JSONObject') return none('json');
  if (!NUMBER_SCALARS.has(type)) return none('text');
  if (/Seconds$/.test(last.field)) return KIND_FORMATS.seconds;
  if (/Rate$/.test(last.field) || last.field === 'attainment') return KIND_FORMATS.percent;
  return INT_SCALARS.has(type) ? KIND_FORMATS.count : KIND_FORMATS.float;
}

/** Words that are written in capitals in headers. */
const ACRONYMS = new Set(['id', 'ids', 'sla', 'csat', 'nps', 'ces', 'url', 'mape', 'wape', 'utc', 'iso', 'ai']);

/** A camelCase name as lower-case words: `firstResponseSeconds` → `first response seconds`, `externalId` → `external ID`. */
export function humanize(name: string): string {
  return name
    .replace(/([a-z])([A-Z0-9])/g, '$1 $2')
    .replace(/([0-9])([a-zA-Z])/g, '$1 $2')
    .split(' ')
    .map((word) => (ACRONYMS.has(word.toLowerCase()) ? word.toUpperCase() : word.toLowerCase()))
    .join(' ');
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Object fields that add nothing to a header: a Relay edge's `node`, a group's `key`
 * (breakdown, forecast), and any field returning Metrics (its metric says what it is).
 * An alias still shows.
 */
function transparent(segment: FieldSegment): boolean {
  if (segment.key !== segment.field) return false;
  return segment.field === 'node' || segment.field === 'key' || segment.type === 'Metrics';
}

/** Declared labels for object fields whose name reads wrong in a header. */
const SEGMENT_LABELS: Record<string, string> = {
  'MetricsGroup.buckets': 'bucket',
  'ForecastSeries.buckets': 'bucket',
  'TargetAttainment.buckets': 'bucket',
};

function segmentLabel(segment: FieldSegment, isLeaf: boolean): string {
  if (segment.key !== segment.field) return humanize(segment.key);
  const declared = SEGMENT_LABELS[`${segment.parentType}.${segment.field}`];
  if (declared !== undefined) return declared;
  // A raw seconds field says its unit in the header: `firstResponseSeconds` → `first response time (s)`.
  if (isLeaf && /.Seconds$/.test(segment.field)) {
    const stem = humanize(segment.field.replace(/Seconds$/, ''));
    return / time$/.test(stem) ? stem : `${stem} time`;
  }
  return humanize(segment.field);
}

/** The label of a registry metric read through `metric` (aliases rename their step): group labels, then `, ` and the leaf's. */
function metricLabel(metric: readonly FieldSegment[]): string {
  const parts: string[] = [];
  let path = '';
  metric.forEach((segment) => {
    path = path ? `${path}.${segment.field}` : segment.field;
    parts.push(segment.key !== segment.field ? humanize(segment.key) : NODES.get(path)!.label);
  });
  const leaf = parts.pop()!;
  return parts.length === 0 ? leaf : `${parts.join(' ')}, ${leaf}`;
}

/**
 * A column's readable header: the metric registry's labels for a Metrics leaf
 * (`First response time, median (h)`), otherwise the field names as words
 * (`assignee.team.name` → `Assignee team name`); what leads to a metric from the row
 * comes first (`Bucket: Tickets created`); the unit of the written value closes it.
 */
export function columnHeader(segments: readonly FieldSegment[], format: ColumnFormat): string {
  const metric = metricTrail(segments);
  const context = (metric ? metric.context : segments)
    .map((segment, i, all) => (transparent(segment) ? '' : segmentLabel(segment, !metric && i === all.length - 1)))
    .filter((label) => label !== '');
  let text: string;
  if (metric) {
    const label = metricLabel(metric.metric);
    text = context.length > 0 ? `${sentence(context.join(' '))}: ${label}` : sentence(label);
  } else {
    text = sentence(context.join(' ') || segments.map((s) => s.key).join('.'));
  }
  return format.unit ? `${text} (${format.unit})` : text;
}
