import { Prisma } from '../generated/prisma/client.ts';
import type { Bucket } from './buckets.ts';
import { badInput } from '../errors.ts';
import { ATTRIBUTED_AGENT, CYCLIC_DOMAIN, dimensionSql, FEEDBACK_CREDIT, type Dimension, type RowKind } from './dimensions.ts';
import { ticketFilterSql, type TicketFilterSpec, type TimeRange, type ViewerScope } from './filter.ts';
import { feedbackKinds, measureAt, SOURCES, STATE_SOURCES, type EventSource, type MeasureEntry } from './registry.ts';

/** Sort direction of a breakdown. */
export type Direction = 'ASC' | 'DESC';

/** Everything one metrics statement needs. */
export interface CompileInput {
  /** Measure paths to compute (registry leaves), e.g. `csat.score`. */
  measures: readonly string[];
  range: TimeRange;
  /** The bucket grid, at least one bucket, covering `range` without gaps. */
  buckets: readonly Bucket[];
  /** Also return bucket 0: totals over the whole range (for breakdowns with buckets). */
  totals: boolean;
  filter: TicketFilterSpec | null | undefined;
  scope: ViewerScope;
  /** Group by these (0 to 2); rows then carry keys k1, k2. */
  dimensions: readonly Dimension[];
  /** Entity mode: return exactly these values of the single dimension, zero-filled. */
  keys?: readonly number[];
  /** Order groups by a measure's range total (then by key), nulls last. */
  order?: { path: string; direction: Direction };
  /** Keep at most this many groups. */
  limit?: number;
  /** "Now" for SLA decisions (a deadline not yet passed is pending). */
  now: Date;
  /** IANA zone (validated) the cyclic dimensions HOUR_OF_DAY and WEEKDAY read local time in; default UTC. */
  timeZone?: string;
  /** CATEGORY counts each ticket in its category and every ancestor (default: its own category only). */
  rollUpCategories?: boolean;
  /**
   * Offered each source before its raw CTE is written: returns a replacement CTE body
   * with the same columns (keys, b, own m<i>), or null to scan the rows. The rollup
   * planner (src/analytics/rollups/planner.ts) plugs in here.
   */
  sourceOverride?: SourceOverride;
  /** Offered each stock's open-at-start count likewise (rollups: created minus solved before the range). */
  openOverride?: OpenOverride;
}

/** How a source's measure is used: a value, or a stock's entering (+count) or leaving (-count) rows. */
export type SourceMeasureRole = 'value' | 'enter' | 'leave';

/** What a source override is asked to compute. */
export interface SourceOverrideInput {
  source: EventSource;
  /** The source's measures: column `m<index>`, the registry entry and its role. */
  measures: { index: number; entry: MeasureEntry; role: SourceMeasureRole }[];
  input: CompileInput;
  /** Whether rows must also come grouped without the bucket (GROUPING SETS; b null = totals). */
  totals: boolean;
  /** The bucket number (1-based) of an instant, as the raw CTEs compute it. */
  bucketOf: (time: Prisma.Sql) => Prisma.Sql;
}

/** What an override of a stock's "open at the range start" count is asked to compute. */
export interface OpenOverrideInput {
  /** The stock's column `m<index>`. */
  index: number;
  entering: EventSource;
  leaving: EventSource;
  input: CompileInput;
}

/**
 * A replacement for a stock's open-at-start CTE body (keys, b = 1, m<index>: rows that
 * entered before the range and had not left by its start; no row for a zero), or null.
 */
export type OpenOverride = (request: OpenOverrideInput) => Prisma.Sql | null;

/** A replacement for a source's CTE body, or null for the raw path. */
export type SourceOverride = (request: SourceOverrideInput) => Prisma.Sql | null;

/** Which path computed a source: its rows, or a rollup. */
export type SourcePath = 'raw' | 'rollup';

/** A compiled statement and how to read its columns. */
export interface CompiledQuery {
  sql: Prisma.Sql;
  /** Column `m<i>` holds `measures[i]`. */
  measures: MeasureEntry[];
  /** Key columns `k1`, `k2` in dimension order. */
  dimensions: Dimension[];
  /** The bucket number of the totals rows: 0 with `totals`, 1 with a single bucket, else -1 (none). */
  totalsBucket: number;
  /** The path each source in the statement took. */
  paths: Partial<Record<EventSource, SourcePath>>;
  /**
   * Every part reads rollups (no source and no open-at-start count from the rows): its
   * plan hardly depends on the parameters, so it is worth preparing once per connection.
   */
  rollupsOnly: boolean;
}

/** One row of a compiled statement: keys, bucket number (1-based; 0 = totals), measures. */
export type MetricsRow = Record<string, unknown> & { b: number };

const iso = (d: Date) => d.toISOString();

/** Prisma.join that accepts an empty list. */
const join = (parts: readonly Prisma.Sql[], separator: string): Prisma.Sql =>
  parts.length === 0 ? Prisma.empty : Prisma.join([...parts], separator);

interface SourcePlan {
  row: RowKind;
  from: Prisma.Sql;
  /** The event time; rows are kept when it falls in the range. */
  time: Prisma.Sql;
  where: Prisma.Sql[];
  /** The agent the rows are attributed to (AGENT dimension, agentIds filter). */
  agent: Prisma.Sql;
}

/**
 * Compiles the selected measures into ONE statement: a CTE per event source (rows in
 * the range, grouped by keys and bucket), merged onto a frame of every (keys × bucket),
 * so empty buckets come back zero-filled. A stock (backlog) is what was open at the
 * range start plus the running sum of creations minus solves.
 */
export function compileMetricsSql(input: CompileInput): CompiledQuery {
  const measures = [...new Set(input.order ? [...input.measures, input.order.path] : input.measures)].map((path) => {
    const entry = measureAt(path);
    if (!entry) throw new Error(`unknown measure ${path}`);
    return entry;
  });
  if (measures.length === 0) throw new Error('compileMetricsSql needs at least one measure');
  const dims = [...input.dimensions];
  const keyCols = dims.map((_, i) => Prisma.raw(`k${i + 1}`));
  const from = Prisma.sql`${iso(input.range.from)}::timestamptz`;
  const to = Prisma.sql`${iso(input.range.to)}::timestamptz`;
  const now = Prisma.sql`${iso(input.now)}::timestamptz`;
  const many = input.buckets.length > 1;
  const starts = input.buckets.map((b) => iso(b.start));
  const bucketOf = (time: Prisma.Sql) => (many ? Prisma.sql`width_bucket(${time}, ${starts}::timestamptz[])` : Prisma.sql`1`);
  // Ordering groups needs their range totals.
  const totals = (input.totals || input.order !== undefined) && many;

  // agentIds means the agent each metric is attributed to, like the AGENT dimension.
  const ticketFilter = (agent: Prisma.Sql) => ticketFilterSql(input.filter, input.scope, 't', { assigneeId: agent });
  const feedbackFilter = ticketFilterSql(input.filter, input.scope, 't', FEEDBACK_CREDIT);
  const ticketFrom = Prisma.sql`"Ticket" t`;
  const feedbackFrom = Prisma.sql`"Feedback" f LEFT JOIN "Ticket" t ON t."id" = f."ticketId" LEFT JOIN "Agent" fa ON f."ticketId" IS NULL AND fa."id" = f."agentId"`;
  const ticketPlan = (time: Prisma.Sql, agent: Prisma.Sql): SourcePlan => ({ row: 'ticket', from: ticketFrom, time, where: [ticketFilter(agent)], agent });
  const eventFrom = Prisma.sql`"TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId"`;
  /** Public agent replies (or another event type) with their ticket as `t`. */
  const eventPlan = (type: 'AGENT_REPLY' | 'SURVEY_SENT', agent: Prisma.Sql): SourcePlan => ({
    row: 'ticket',
    from: eventFrom,
    time: Prisma.sql`e."occurredAt"`,
    where: [Prisma.sql`e."type" = ${type}::"TicketEventType"`, Prisma.sql`e."public"`, ticketFilter(agent)],
    agent,
  });
  // Bucket ends for state sources: bucket i ends at its end; totals (bucket 0) at the range end.
  const stateEnds = [
    ...input.buckets.map((b, i) => ({ end: iso(b.end), b: i + 1 })),
    ...((input.totals || input.order !== undefined) && input.buckets.length > 1 ? [{ end: iso(input.range.to), b: 0 }] : []),
  ];
  const qnow = Prisma.sql`CROSS JOIN (SELECT ${now} AS now_at) qn`;
  const sla = (fulfilled: Prisma.Sql, due: Prisma.Sql): SourcePlan => ({
    row: 'ticket',
    // `qn.now_at`: "now" for the overrun of a deadline passed unfulfilled.
    from: Prisma.sql`${ticketFrom} ${qnow}`,
    // Met targets are decided at fulfilment, missed ones at the deadline: LEAST of both.
    time: Prisma.sql`LEAST(${fulfilled}, ${due})`,
    // The decision is never after the deadline, so `due >= from` holds for every row in
    // range and lets the deadline index narrow the scan.
    where: [ticketFilter(ATTRIBUTED_AGENT.current), Prisma.sql`${due} >= ${from}`, Prisma.sql`LEAST(${fulfilled}, ${due}) <= ${now}`],
    agent: ATTRIBUTED_AGENT.current,
  });
  const paths = measures.map((m) => m.path);
  const kinds = feedbackKinds(paths);
  const plans: Record<EventSource, SourcePlan> = {
    created: ticketPlan(Prisma.sql`t."createdAt"`, ATTRIBUTED_AGENT.current),
    solved: ticketPlan(Prisma.sql`t."solvedAt"`, ATTRIBUTED_AGENT.solver),
    firstResponse: ticketPlan(Prisma.sql`t."firstResponseAt"`, ATTRIBUTED_AGENT.firstResponder),
    feedback: {
      row: 'feedback',
      from: feedbackFrom,
      time: Prisma.sql`f."createdAt"`,
      where: [feedbackFilter, Prisma.sql`f."kind" = ANY(${kinds}::text[]::"FeedbackKind"[])`],
      agent: FEEDBACK_CREDIT.assigneeId,
    },
    slaFirstResponse: sla(Prisma.sql`LEAST(t."firstResponseAt", t."solvedAt")`, Prisma.sql`t."firstResponseDueAt"`),
    slaResolution: sla(Prisma.sql`t."solvedAt"`, Prisma.sql`t."resolutionDueAt"`),
    firstSolve: ticketPlan(Prisma.sql`t."firstSolvedAt"`, ATTRIBUTED_AGENT.solver),
    reopenReply: ticketPlan(Prisma.sql`t."reopenReplyAt"`, ATTRIBUTED_AGENT.current),
    reply: eventPlan('AGENT_REPLY', Prisma.sql`e."agentId"`),
    nextReply: {
      ...eventPlan('AGENT_REPLY', Prisma.sql`e."agentId"`),
      // The previous public agent reply, then the first customer message after it and
      // up to this reply: that message waited until this reply.
      from: Prisma.sql`${eventFrom}
    CROSS JOIN LATERAL (SELECT max(p."occurredAt") AS prev FROM "TicketEvent" p
       WHERE p."ticketId" = e."ticketId" AND p."type" = 'AGENT_REPLY' AND p."public"
         AND (p."occurredAt" < e."occurredAt" OR (p."occurredAt" = e."occurredAt" AND p."seq" < e."seq"))) pr
    CROSS JOIN LATERAL (SELECT min(c."occurredAt") AS asked FROM "TicketEvent" c
       WHERE c."ticketId" = e."ticketId" AND c."type" = 'CUSTOMER_REPLY' AND c."occurredAt" > pr.prev AND c."occurredAt" <= e."occurredAt") nr`,
      where: [...eventPlan('AGENT_REPLY', Prisma.sql`e."agentId"`).where, Prisma.sql`nr.asked IS NOT NULL`],
    },
    surveySent: { ...eventPlan('SURVEY_SENT', ATTRIBUTED_AGENT.current), where: [Prisma.sql`e."type" = 'SURVEY_SENT'`, ticketFilter(ATTRIBUTED_AGENT.current)] },
    backlogEnd: {
      row: 'ticket',
      // One row per (bucket end, ticket open then); bucket 0 is the range end for totals.
      from: Prisma.sql`unnest(${stateEnds.map((e) => e.end)}::timestamptz[], ${stateEnds.map((e) => e.b)}::int[]) AS be(end_at, b)
    JOIN "Ticket" t ON t."createdAt" < be.end_at AND (t."solvedAt" IS NULL OR t."solvedAt" >= be.end_at)`,
      time: Prisma.sql`be.end_at`,
      where: [ticketFilter(ATTRIBUTED_AGENT.current)],
      agent: ATTRIBUTED_AGENT.current,
    },
  };

  const cyclic = dims.filter((d) => CYCLIC_DOMAIN[d] !== undefined);
  const stockMeasure = measures.find((m) => m.leaf.stock || STATE_SOURCES.has(m.leaf.source));
  if (cyclic.length > 0 && stockMeasure) {
    // A stock is a state at a bucket's end, not an event: it has no hour or weekday.
    throw badInput(
      `${stockMeasure.path} is a state at a bucket's end and has no ${cyclic[0]}; select it without ${cyclic.join(' and ')} or use a granularity instead`,
      { argument: 'by' },
    );
  }
  const timeZone = input.timeZone ?? 'UTC';
  const keysFor = (plan: SourcePlan) => {
    const row = plan.row;
    const parts = dims.map((d, i) => dimensionSql(d, row, i + 1, { time: plan.time, timeZone, agent: plan.agent, rollUpCategories: input.rollUpCategories }));
    const select = parts.map((p, i) => Prisma.sql`${p.value} AS ${keyCols[i]}`);
    const joins = parts.flatMap((p) => p.joins);
    // Entity mode: only the requested entities' rows. On tickets the condition is a plain
    // column an index serves; feedback learns its entity only through the ticket join,
    // so it is grouped first and restricted after (see `late`).
    const restrict = input.keys && row === 'ticket' ? [Prisma.sql`${parts[0].value} = ANY(${[...input.keys]}::int[])`] : [];
    const late = input.keys && row === 'feedback' ? Prisma.sql`WHERE k1 = ANY(${[...input.keys]}::int[])` : Prisma.empty;
    return { select, joins, restrict, late };
  };
  const groupBy = (bucket: Prisma.Sql, withTotals: boolean) => {
    const keys = keyCols.length ? join(keyCols, ', ') : Prisma.empty;
    if (!withTotals) return keyCols.length ? Prisma.sql`GROUP BY ${keys}, ${bucket}` : Prisma.sql`GROUP BY ${bucket}`;
    return keyCols.length
      ? Prisma.sql`GROUP BY GROUPING SETS ((${keys}, ${bucket}), (${keys}))`
      : Prisma.sql`GROUP BY GROUPING SETS ((${bucket}), ())`;
  };
  const column = (i: number) => Prisma.raw(`m${i}`);
  const selectList = (items: Prisma.Sql[]) => join(items, ', ');

  const ctes: Prisma.Sql[] = [];
  const unionParts: Prisma.Sql[] = [];
  const nullOf = (m: MeasureEntry) => Prisma.raw(`NULL::${m.leaf.type === 'Int' ? 'int' : 'float8'}`);
  /** Adds a CTE's rows to the union: its own columns, NULL for every other measure. */
  const addToUnion = (name: Prisma.Sql, own: Set<number>, where: Prisma.Sql = Prisma.empty) => {
    const cols = measures.map((m, i) => (own.has(i) ? column(i) : Prisma.sql`${nullOf(m)} AS ${column(i)}`));
    unionParts.push(Prisma.sql`SELECT ${selectList([...keyCols, Prisma.sql`COALESCE(b, 0) AS b`, ...cols])} FROM ${name} ${where}`);
  };
  // A ticket must leave a stock under the keys it entered by: when the sources attribute
  // agents differently (solved: the solver; created: the current assignee), the leaving
  // rows get their own statement keyed like the entering ones.
  const ownLeaving = dims.includes('AGENT') || (input.filter?.agentIds?.length ?? 0) > 0;
  const sourcePaths: Partial<Record<EventSource, SourcePath>> = {};
  for (const source of SOURCES) {
    const aggregates: Prisma.Sql[] = [];
    const own = new Set<number>();
    const roles: SourceOverrideInput['measures'] = [];
    measures.forEach((m, i) => {
      const stock = m.leaf.stock;
      // A stock takes +count(*) from the source rows enter by and -count(*) from the one they leave by.
      const role: SourceMeasureRole | null = stock
        ? stock.entering === source.name
          ? 'enter'
          : stock.leaving === source.name && !ownLeaving
            ? 'leave'
            : null
        : m.leaf.source === source.name
          ? 'value'
          : null;
      if (!role) return;
      const sql = role === 'enter' ? Prisma.sql`count(*)::int` : role === 'leave' ? Prisma.sql`(-count(*))::int` : m.leaf.sql;
      aggregates.push(Prisma.sql`${sql} AS ${column(i)}`);
      own.add(i);
      roles.push({ index: i, entry: m, role });
    });
    if (own.size === 0) continue;
    const name = Prisma.raw(`s_${source.name}`);
    const override = input.sourceOverride?.({ source: source.name, measures: roles, input, totals, bucketOf });
    sourcePaths[source.name] = override ? 'rollup' : 'raw';
    if (override) {
      ctes.push(Prisma.sql`${name} AS (${override})`);
      addToUnion(name, own);
      continue;
    }
    const plan = plans[source.name];
    const k = keysFor(plan);
    // MATERIALIZED keeps a late restriction out of the CTE: pushed into its WHERE, it
    // would make the planner hash the whole ticket table instead of the feedback rows.
    const fence = input.keys && plan.row === 'feedback' ? Prisma.raw('MATERIALIZED') : Prisma.empty;
    if (STATE_SOURCES.has(source.name)) {
      // A state: rows are already per bucket end (bucket 0 = range end), no range test.
      ctes.push(Prisma.sql`${name} AS ${fence} (
  SELECT ${selectList([...k.select, Prisma.sql`be.b AS b`, ...aggregates])}
  FROM ${plan.from} ${join(k.joins, ' ')}
  WHERE ${join([...plan.where, ...k.restrict], ' AND ')}
  ${groupBy(Prisma.raw('b'), false)}
)`);
      addToUnion(name, own, k.late);
      continue;
    }
    ctes.push(Prisma.sql`${name} AS ${fence} (
  SELECT ${selectList([...k.select, Prisma.sql`${bucketOf(plan.time)} AS b`, ...aggregates])}
  FROM ${plan.from} ${join(k.joins, ' ')}
  WHERE ${plan.time} >= ${from} AND ${plan.time} < ${to} AND ${join([...plan.where, ...k.restrict], ' AND ')}
  ${groupBy(Prisma.raw('b'), totals)}
)`);
    addToUnion(name, own, k.late);
  }
  let openFromRows = false;
  measures.forEach((m, i) => {
    const stock = m.leaf.stock;
    if (!stock) return;
    // What was open when the range began counts as entering in the first bucket.
    const entering = plans[stock.entering];
    const leaving = plans[stock.leaving];
    const k = keysFor(entering);
    const name = Prisma.raw(`s_open_${i}`);
    const override = input.openOverride?.({ index: i, entering: stock.entering, leaving: stock.leaving, input });
    if (override) {
      ctes.push(Prisma.sql`${name} AS (${override})`);
      addToUnion(name, new Set([i]));
      return;
    }
    openFromRows = true;
    // Two index probes instead of one OR over the whole history: rows never left (the
    // leaving time's index holds its nulls) and rows that left after the range began.
    const probe = (left: Prisma.Sql) => Prisma.sql`SELECT ${selectList(k.select.length ? k.select : [Prisma.sql`1 AS one`])}
    FROM ${entering.from} ${join(k.joins, ' ')}
    WHERE ${entering.time} < ${from} AND ${left} AND ${join([...entering.where, ...k.restrict], ' AND ')}`;
    ctes.push(Prisma.sql`${name} AS (
  SELECT ${selectList([...keyCols, Prisma.sql`1 AS b`, Prisma.sql`count(*)::int AS ${column(i)}`])}
  FROM (${probe(Prisma.sql`${leaving.time} IS NULL`)}
    UNION ALL ${probe(Prisma.sql`${leaving.time} >= ${from}`)}) o
  ${keyCols.length ? Prisma.sql`GROUP BY ${join(keyCols, ', ')}` : Prisma.empty}
)`);
    addToUnion(name, new Set([i]));
    if (ownLeaving) {
      const out = { ...leaving, where: entering.where, agent: entering.agent };
      const ko = keysFor(out);
      const closed = Prisma.raw(`s_close_${i}`);
      ctes.push(Prisma.sql`${closed} AS (
  SELECT ${selectList([...ko.select, Prisma.sql`${bucketOf(out.time)} AS b`, Prisma.sql`(-count(*))::int AS ${column(i)}`])}
  FROM ${out.from} ${join(ko.joins, ' ')}
  WHERE ${out.time} >= ${from} AND ${out.time} < ${to} AND ${join([...out.where, ...ko.restrict], ' AND ')}
  ${groupBy(Prisma.raw('b'), totals)}
)`);
      addToUnion(closed, new Set([i]));
    }
  });
  ctes.push(Prisma.sql`u AS (${join(unionParts, '\n  UNION ALL ')})`);

  const lowBucket = totals ? 0 : 1;
  const grid = Prisma.sql`generate_series(${lowBucket}::int, ${input.buckets.length}::int) AS g("b")`;
  let frame: Prisma.Sql;
  if (dims.length === 0) frame = Prisma.sql`SELECT g."b" AS b FROM ${grid}`;
  else if (input.keys) frame = Prisma.sql`SELECT e."k1" AS k1, g."b" AS b FROM unnest(${[...input.keys]}::int[]) AS e("k1") CROSS JOIN ${grid}`;
  else if (cyclic.length === 0) {
    frame = Prisma.sql`SELECT ${selectList(keyCols.map((c) => Prisma.sql`e.${c}`))}, g."b" AS b FROM (SELECT DISTINCT ${selectList(keyCols)} FROM u) e CROSS JOIN ${grid}`;
  } else {
    // Cyclic keys take every value of their domain (a heatmap has no holes); the other
    // dimension keeps the values seen in the data.
    const domains = dims.map((d, i) => {
      const domain = CYCLIC_DOMAIN[d];
      const alias = Prisma.raw(`e${i + 1}`);
      return domain
        ? Prisma.sql`generate_series(${domain[0]}::int, ${domain[1]}::int) AS ${alias}(${keyCols[i]})`
        : Prisma.sql`(SELECT DISTINCT ${keyCols[i]} FROM u) ${alias}`;
    });
    const picked = keyCols.map((c, i) => Prisma.sql`${Prisma.raw(`e${i + 1}`)}.${c}`);
    frame = Prisma.sql`SELECT ${selectList(picked)}, g."b" AS b FROM ${join(domains, ' CROSS JOIN ')} CROSS JOIN ${grid}`;
  }
  ctes.push(Prisma.sql`frame AS (${frame})`);

  const nullCols = measures.map(nullOf);
  const kb = [...keyCols, Prisma.raw('b')];
  // Each source has one row per (keys, bucket), so max() picks its value; a stock's
  // changes come from several sources and are added up.
  const merge = (m: MeasureEntry, i: number) =>
    m.leaf.stock ? Prisma.sql`sum(${column(i)})::int AS ${column(i)}` : Prisma.sql`max(${column(i)}) AS ${column(i)}`;
  ctes.push(Prisma.sql`z AS (
  SELECT ${selectList([...kb, ...measures.map(merge)])}
  FROM (SELECT ${selectList([...kb, ...measures.map((_, i) => column(i))])} FROM u
        UNION ALL SELECT ${selectList([...kb, ...nullCols])} FROM frame) x
  GROUP BY ${selectList(kb)}
)`);

  const partition = keyCols.length ? Prisma.sql`PARTITION BY ${selectList(keyCols)}` : Prisma.empty;
  const finals = measures.map((m, i) => {
    const c = column(i);
    if (m.leaf.stock) {
      // Bucket 0 (range totals) holds whole-range counts, not changes: leave it out of the
      // sums; its value is the state at the range end, i.e. after every bucket.
      const change = Prisma.sql`CASE WHEN b > 0 THEN ${c} END`;
      return Prisma.sql`(CASE WHEN b = 0 THEN COALESCE(sum(${change}) OVER (${partition}), 0)
        ELSE COALESCE(sum(${change}) OVER (${partition} ORDER BY b), 0) END)::int AS ${c}`;
    }
    return m.leaf.empty === 'zero' ? Prisma.sql`COALESCE(${c}, 0) AS ${c}` : Prisma.sql`${c}`;
  });
  ctes.push(Prisma.sql`v AS (SELECT ${selectList([...kb, ...finals])} FROM z)`);

  const enumKeys = dims.map((d, i) => dimensionSql(d, 'ticket', i + 1).isEnum);
  const outKeys = keyCols.map((c, i) => (enumKeys[i] ? Prisma.sql`${c}::text AS ${c}` : c));
  const outCols = selectList([...outKeys, Prisma.raw('b'), ...measures.map((_, i) => column(i))]);
  let body: Prisma.Sql;
  if (dims.length === 0) {
    body = Prisma.sql`SELECT ${outCols} FROM v ORDER BY b`;
  } else if (input.keys) {
    body = Prisma.sql`SELECT ${outCols} FROM v ORDER BY k1, b`;
  } else {
    const orderIndex = input.order ? paths.indexOf(input.order.path) : -1;
    const sortKey =
      orderIndex >= 0
        ? Prisma.sql`max(CASE WHEN b = ${Prisma.raw(String(lowBucket))} THEN ${column(orderIndex)} END) OVER (${partition})`
        : Prisma.sql`NULL::int`;
    const direction = Prisma.raw(input.order?.direction === 'ASC' ? 'ASC' : 'DESC');
    const keyOrder = keyCols.map((c) => Prisma.sql`${c} ASC NULLS LAST`);
    const limit = input.limit !== undefined ? Prisma.sql`WHERE grp <= ${input.limit}::int` : Prisma.empty;
    body = Prisma.sql`SELECT ${outCols} FROM (
  SELECT v2.*, dense_rank() OVER (ORDER BY ${selectList([Prisma.sql`sk ${direction} NULLS LAST`, ...keyOrder])}) AS grp
  FROM (SELECT v.*, ${sortKey} AS sk FROM v) v2
) v3 ${limit}
ORDER BY grp, b`;
  }
  return {
    sql: Prisma.sql`WITH ${join(ctes, ',\n')}\n${body}`,
    measures,
    dimensions: dims,
    totalsBucket: many ? (totals ? 0 : -1) : 1,
    paths: sourcePaths,
    rollupsOnly: !openFromRows && Object.values(sourcePaths).every((p) => p === 'rollup'),
  };
}
