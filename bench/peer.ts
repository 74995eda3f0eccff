import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { createServer } from '../src/server.ts';
import { benchRanges, differences, type BenchRanges, type Comparable } from './kpi-queries.ts';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';
import { peerHandler } from './peer-server.ts';

// Supportgraph beside PostGraphile 4 + @graphile/pg-aggregates + the connection filter
// plugin, on the same PostgreSQL rows (the 1 M bench database), answering issue 16's three
// questions: Q1 weekly created + avg FRT + avg resolution (52 weeks), Q2 team × month
// solved + avg resolution (12 months), Q3 50 agents' solved + avg CSAT (28 days). The peer
// is not a dependency of ours; install it outside the repository and point at it:
//   mkdir -p /tmp/peer && cd /tmp/peer && npm init -y &&
//     npm i postgraphile@4.14.1 @graphile/pg-aggregates@0.1.1 postgraphile-plugin-connection-filter@2
//   BENCH_PEER_DIR=/tmp/peer npx tsx bench/peer.ts
// The peer reads views in a schema of its own (sg_peer: what a PostGraphile user would
// write, since pg-aggregates groups by columns and truncates only to hours and days),
// created at the start and dropped at the end. Each question's answers are checked to
// agree number for number before timing; then both sides alternate, BENCH_ITERATIONS runs.

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 20);

const PEER_VIEWS = `
DROP SCHEMA IF EXISTS sg_peer CASCADE;
CREATE SCHEMA sg_peer;
CREATE VIEW sg_peer.teams AS SELECT id, name FROM public."Team";
CREATE VIEW sg_peer.agents AS SELECT id, name FROM public."Agent";
CREATE VIEW sg_peer.tickets AS
  SELECT id, "teamId" AS team_id, "assigneeId" AS assignee_id,
         "solvedById" AS solver_id,
         "createdAt" AS created_at, "firstResponseAt" AS first_response_at, "solvedAt" AS solved_at,
         date_trunc('week', "createdAt") AS created_week,
         date_trunc('week', "firstResponseAt") AS first_response_week,
         date_trunc('week', "solvedAt") AS solved_week,
         date_trunc('month', "solvedAt") AS solved_month,
         EXTRACT(EPOCH FROM "firstResponseAt" - "createdAt")::float8 AS frt_seconds,
         EXTRACT(EPOCH FROM "solvedAt" - "createdAt")::float8 AS resolution_seconds
  FROM public."Ticket";
CREATE VIEW sg_peer.csat AS
  SELECT f.id, CASE WHEN f."ticketId" IS NULL THEN f."agentId" ELSE t."assigneeId" END AS agent_id, f."createdAt" AS created_at, f.score
  FROM public."Feedback" f LEFT JOIN public."Ticket" t ON t.id = f."ticketId" WHERE f.kind = 'CSAT';
COMMENT ON VIEW sg_peer.teams IS E'@primaryKey id';
COMMENT ON VIEW sg_peer.agents IS E'@primaryKey id';
COMMENT ON VIEW sg_peer.tickets IS E'@primaryKey id\\n@foreignKey (team_id) references sg_peer.teams (id)\\n@foreignKey (assignee_id) references sg_peer.agents (id)\\n@foreignKey (solver_id) references sg_peer.agents (id)';
COMMENT ON VIEW sg_peer.csat IS E'@primaryKey id\\n@foreignKey (agent_id) references sg_peer.agents (id)';
`;

/** One of the three questions, asked of both servers. */
interface PeerQuestion {
  name: string;
  description: string;
  ours: string;
  peer: string;
  variables: (r: BenchRanges) => Record<string, unknown>;
  fromOurs: (data: any) => Comparable;
  fromPeer: (data: any) => Comparable;
}

const iso = (d: Date) => d.toISOString();
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
// pg-aggregates returns group keys as PostgreSQL prints them ("2026-01-05 00:00:00+00"); ours are ISO instants.
const instant = (v: string) => new Date(v.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString();
const between = (field: string) => `{ ${field}: { greaterThanOrEqualTo: $from, lessThan: $to } }`;

const QUESTIONS: PeerQuestion[] = [
  {
    name: 'Q1',
    description: '52 weeks × created, avg FRT, avg resolution',
    ours: `query Q1($range: DateTimeRange!) { timeSeries(range: $range, granularity: WEEK) { start metrics { ticketsCreated firstResponseTime { avg } resolutionTime { avg } } } }`,
    peer: `query Q1($from: Datetime!, $to: Datetime!) {
  created: allTickets(filter: ${between('createdAt')}) { groupedAggregates(groupBy: CREATED_WEEK) { keys distinctCount { id } } }
  frt: allTickets(filter: ${between('firstResponseAt')}) { groupedAggregates(groupBy: FIRST_RESPONSE_WEEK) { keys average { frtSeconds } } }
  resolution: allTickets(filter: ${between('solvedAt')}) { groupedAggregates(groupBy: SOLVED_WEEK) { keys average { resolutionSeconds } } }
}`,
    variables: (r) => ({ range: { from: iso(r.weeks52.from), to: iso(r.weeks52.to) }, from: iso(r.weeks52.from), to: iso(r.weeks52.to) }),
    fromOurs: (data) =>
      new Map(
        data.timeSeries
          .filter((b: any) => b.metrics.ticketsCreated > 0)
          .map((b: any) => [new Date(b.start).toISOString(), [b.metrics.ticketsCreated, b.metrics.firstResponseTime.avg, b.metrics.resolutionTime.avg]]),
      ),
    fromPeer: (data) => {
      const rows = new Map<string, (number | null)[]>();
      const at = (key: string) => rows.get(key) ?? rows.set(key, [0, null, null]).get(key)!;
      for (const g of data.created.groupedAggregates) at(instant(g.keys[0]))[0] = num(g.distinctCount.id);
      for (const g of data.frt.groupedAggregates) at(instant(g.keys[0]))[1] = num(g.average.frtSeconds);
      for (const g of data.resolution.groupedAggregates) at(instant(g.keys[0]))[2] = num(g.average.resolutionSeconds);
      return new Map([...rows].filter(([, v]) => v[0] !== 0));
    },
  },
  {
    name: 'Q2',
    description: 'team × 12 months, solved + avg resolution',
    ours: `query Q2($range: DateTimeRange!) { breakdown(by: [TEAM], range: $range, granularity: MONTH) { key { team { id } } buckets { start metrics { ticketsSolved resolutionTime { avg } } } } }`,
    peer: `query Q2($from: Datetime!, $to: Datetime!) {
  allTickets(filter: ${between('solvedAt')}) { groupedAggregates(groupBy: [TEAM_ID, SOLVED_MONTH]) { keys distinctCount { id } average { resolutionSeconds } } }
}`,
    variables: (r) => ({ range: { from: iso(r.months12.from), to: iso(r.months12.to) }, from: iso(r.months12.from), to: iso(r.months12.to) }),
    fromOurs: (data) =>
      new Map(
        data.breakdown.flatMap((group: any) =>
          group.buckets
            .filter((b: any) => b.metrics.ticketsSolved > 0)
            // Our team ids are global ids ("Team:<id>" in base64); the peer's are the row ids.
            .map((b: any) => [
              `${group.key.team ? Buffer.from(group.key.team.id, 'base64').toString().split(':')[1] : 'none'} ${new Date(b.start).toISOString()}`,
              [b.metrics.ticketsSolved, b.metrics.resolutionTime.avg],
            ]),
        ),
      ),
    fromPeer: (data) =>
      new Map(
        data.allTickets.groupedAggregates.map((g: any) => [
          `${g.keys[0] === null ? 'none' : g.keys[0]} ${instant(g.keys[1])}`,
          [num(g.distinctCount.id), num(g.average.resolutionSeconds)],
        ]),
      ),
  },
  {
    name: 'Q3',
    description: '50 agents × solved + avg CSAT, 28 days',
    ours: `query Q3($range: DateTimeRange!) { agents(first: 50) { nodes { name metrics(range: $range) { ticketsSolved csat { average } } } } }`,
    peer: `query Q3($from: Datetime!, $to: Datetime!) {
  allAgents(first: 50, orderBy: [NAME_ASC, ID_ASC]) { nodes { name
    ticketsBySolverId(filter: ${between('solvedAt')}) { totalCount }
    csatsByAgentId(filter: ${between('createdAt')}) { aggregates { average { score } } } } }
}`,
    variables: (r) => ({ range: { from: iso(r.days28.from), to: iso(r.days28.to) }, from: iso(r.days28.from), to: iso(r.days28.to) }),
    fromOurs: (data) => new Map(data.agents.nodes.map((a: any, i: number) => [`#${i} ${a.name}`, [a.metrics.ticketsSolved, a.metrics.csat.average]])),
    fromPeer: (data) =>
      new Map(
        data.allAgents.nodes.map((a: any, i: number) => [`#${i} ${a.name}`, [num(a.ticketsBySolverId.totalCount), num(a.csatsByAgentId.aggregates.average.score)]]),
      ),
  },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function listen(handler: RequestListener): Promise<{ http: Server; endpoint: string }> {
  const http = createHttpServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, endpoint: `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql` };
}

async function post(endpoint: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<any> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: unknown; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

const url = benchDatabaseUrl();
const db = await openBenchDatabase(url);
const admin = new pg.Pool({ connectionString: url, max: 1 });
await admin.query(PEER_VIEWS);
// The peer's own pool, in UTC as its date_trunc groups need; PostGraphile runs each request in a transaction.
const peerPool = new pg.Pool({ connectionString: url, max: 4, options: '-c TimeZone=UTC' });
peerPool.on('error', () => undefined);
const peer = await listen(peerHandler(peerPool, 'sg_peer'));
const token = randomBytes(24).toString('hex');
const ours = await listen(
  createServer({
    db,
    production: true,
    graphiql: false,
    responseCache: false,
    config: { adminToken: token, rateLimitPerMinute: 1_000_000, queryTimeoutMs: 600_000 },
  }),
);
const auth = { authorization: `Bearer ${token}` };

try {
  const [{ newest }] = (await admin.query('SELECT max("createdAt") AS newest FROM "Ticket"')).rows as { newest: Date }[];
  const ranges = benchRanges(newest);
  const [{ n }] = (await admin.query('SELECT count(*)::int AS n FROM "Ticket"')).rows as { n: number }[];
  process.stderr.write(`machine: ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; ${n.toLocaleString('en-US')} tickets\n`);
  const lines = ['| question | Supportgraph p50 | PostGraphile + pg-aggregates p50 | peer / ours |', '|---|---:|---:|---:|'];
  for (const q of QUESTIONS) {
    const variables = q.variables(ranges);
    const diff = differences(q.fromOurs(await post(ours.endpoint, q.ours, variables, auth)), q.fromPeer(await post(peer.endpoint, q.peer, variables)));
    if (diff.length > 0) throw new Error(`${q.name}: Supportgraph and PostGraphile answers differ:\n  ${diff.join('\n  ')}`);
    const times = { ours: [] as number[], peer: [] as number[] };
    const timed = async (side: 'ours' | 'peer') => {
      const began = performance.now();
      await (side === 'ours' ? post(ours.endpoint, q.ours, variables, auth) : post(peer.endpoint, q.peer, variables));
      times[side].push(performance.now() - began);
    };
    for (let i = 0; i < 2; i++) {
      await timed('ours');
      await timed('peer');
    }
    times.ours.length = 0;
    times.peer.length = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      // Alternate which side goes first, so drift hits both alike.
      for (const side of i % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const)) await timed(side);
    }
    const line = `| ${q.name}: ${q.description} | ${median(times.ours).toFixed(1)} ms | ${median(times.peer).toFixed(1)} ms | ${(median(times.peer) / median(times.ours)).toFixed(1)}× |`;
    process.stderr.write(`${q.name}: answers agree; ${ITERATIONS} runs each\n${line}\n`);
    lines.push(line);
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
} finally {
  for (const server of [peer, ours]) await new Promise((resolve) => server.http.close(resolve));
  await peerPool.end();
  await admin.query('DROP SCHEMA IF EXISTS sg_peer CASCADE');
  await admin.end();
  await db.close();
}
