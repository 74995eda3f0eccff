import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';
import { createApiToken } from '../src/auth/tokens.ts';

// Per-request overhead (bench/README.md, "Requests"): queries against the real server
// over loopback HTTP with keep-alive, CONCURRENCY requests in flight for SECONDS.
// Each server tree (BENCH_TREES, `label=dir,...`; default: this tree) runs in its own
// process (bench/requests-server.ts) so this load generator does not share its core, in
// development mode (no token) and production mode (a stored ANALYST token: looked up,
// masking, limits, armor, cost). Every (tree, mode, query) is measured ROUNDS times,
// in rotation, so background load hits every side alike; every answer is checked.
//   npx tsx bench/requests.ts
//   BENCH_TREES=before=/tmp/before,after=. BENCH_PROFILE=/tmp/prof npx tsx bench/requests.ts
// BENCH_PEER=1 adds PostGraphile (bench/requests-peer.ts), BENCH_BARE=1 this tree's schema
// without the server's plugins (bench/requests-bare.ts), each measured once per round.

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MODES = (process.env.BENCH_MODES ?? 'development,production').split(',');

/** The measured documents: the trivial page and a 100-ticket page with nested relations. */
export const REQUEST_QUERIES: Record<string, { query: string; check: (body: string) => boolean }> = {
  trivial: {
    query: '{ tickets(first: 10) { nodes { id } } }',
    check: (body) => (body.match(/"id":/g) ?? []).length === 10,
  },
  nested: {
    query:
      '{ tickets(first: 100) { nodes { id externalId subject status priority createdAt firstResponseSeconds ' +
      'assignee { id name team { id name } } team { id name } customer { id name tier } feedback { kind score createdAt } } } }',
    check: (body) => (body.match(/"externalId":/g) ?? []).length === 100 && body.includes('"assignee":{') && body.includes('"feedback":['),
  },
};
const QUERIES = (process.env.BENCH_QUERIES ?? Object.keys(REQUEST_QUERIES).join(',')).split(',');

/** BENCH_PEER=1: PostGraphile (bench/requests-peer.ts) answers the trivial page too, as `allTickets`. */
const PEER = process.env.BENCH_PEER === '1';
/** BENCH_BARE=1: this tree's schema without the server's plugins (bench/requests-bare.ts) answers every query too, without tokens in either mode. */
const BARE = process.env.BENCH_BARE === '1';
const PEER_QUERIES: Record<string, { query: string; check: (body: string) => boolean }> = {
  trivial: { query: '{ allTickets(first: 10, orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id } } }', check: REQUEST_QUERIES.trivial.check },
};

interface Tree {
  label: string;
  dir: string;
  /** The PostGraphile peer rather than a Supportgraph tree. */
  peer?: boolean;
  /** This tree's schema on a plugin-less yoga (no tokens; "production" is only NODE_ENV). */
  bare?: boolean;
}

function trees(): Tree[] {
  const spec = process.env.BENCH_TREES ?? `current=${fileURLToPath(new URL('..', import.meta.url))}`;
  const list: Tree[] = spec.split(',').map((item) => {
    const [label, dir] = item.split('=');
    return { label, dir };
  });
  if (BARE) list.push({ label: 'bare', dir: fileURLToPath(new URL('..', import.meta.url)), bare: true });
  if (PEER) list.push({ label: 'peer', dir: fileURLToPath(new URL('..', import.meta.url)), peer: true });
  return list;
}

/** The node flags a tree's `npm start` gives before its loader (`node --max-semi-space-size=64 --import tsx …`). */
function startFlags(dir: string): string[] {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return /node ((?:--[\w-]+=\w+ )*)--import tsx/.exec(scripts.start)?.[1].split(' ').filter(Boolean) ?? [];
}

/** One server process: a tree in one mode (the peer in none). */
interface Started {
  tree: Tree;
  /** The mode this process serves; undefined for the peer, which has none. */
  mode?: string;
  child: ChildProcess;
  ports: Record<string, number>;
}

/**
 * Starts a server process for a tree in `mode`; resolves with its ports. A production
 * process runs with NODE_ENV=production, as a production `npm start` does (graphql-js
 * then skips its development-only checks); a development one without it.
 */
function startServer(tree: Tree, mode: string | undefined, url: string, adminToken: string): Promise<Started> {
  // Each tree's server runs with the flags of its own `npm start`; the peer with Node's defaults.
  const execArgv = [...(tree.peer ? [] : startFlags(tree.dir)), '--import', 'tsx'];
  const script = tree.peer ? './requests-peer.ts' : tree.bare ? './requests-bare.ts' : './requests-server.ts';
  const { NODE_ENV: _inherited, ...env } = process.env;
  const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
    cwd: tree.dir,
    execArgv,
    env: {
      ...env,
      ...(mode === 'production' ? { NODE_ENV: 'production' } : {}),
      ...(mode ? { SG_MODES: mode } : {}),
      SG_ROOT: tree.dir,
      SG_DATABASE_URL: url,
      SG_ADMIN_TOKEN: adminToken,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ tree, mode, child, ports: (message as { ports: Record<string, number> }).ports }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server of ${tree.label} exited with ${code}`)));
  });
}

/** BENCH_PROFILE=<dir>: each server's CPU profile of the measured rounds (not the warm-up) goes there. */
const PROFILE_DIR = process.env.BENCH_PROFILE ?? '';

/** Sends a message to a server process and waits for its acknowledgement. */
function ask(child: ChildProcess, message: object): Promise<void> {
  return new Promise((resolve) => {
    child.once('message', () => resolve());
    child.send(message);
  });
}

/** Requests per second for SECONDS with CONCURRENCY loops; every answer is checked. */
async function load(port: number, token: string | null, name: string, seconds = SECONDS, peer = false): Promise<number> {
  const queries = peer ? PEER_QUERIES : REQUEST_QUERIES;
  const body = JSON.stringify({ query: queries[name].query });
  const check = queries[name].check;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (token) headers.authorization = `Bearer ${token}`;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || text.includes('"errors"') || !check(text)) reject(new Error(`bad answer ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve();
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const until = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await one();
        done += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return done / elapsed;
}

async function main(): Promise<void> {
  const url = benchDatabaseUrl();
  const db = await openBenchDatabase(url);
  const adminToken = randomBytes(24).toString('hex');
  // A stored token, as production clients use (the ADMIN_TOKEN skips the lookup); removed at the end.
  const { token, secret } = await createApiToken(db, { name: `bench-requests-${randomBytes(4).toString('hex')}`, role: 'ANALYST' });
  await db.close();
  const started = await Promise.all(
    trees().flatMap((tree) => (tree.peer ? [undefined] : MODES).map((mode) => startServer(tree, mode, url, adminToken))),
  );
  const rates = new Map<string, number[]>();
  const loads: number[] = [];
  try {
    // The peer answers only the queries it has, once per round (it has no modes).
    const measured = (s: Started, mode: string, name: string) => (s.tree.peer ? name in PEER_QUERIES && mode === MODES[0] : s.mode === mode);
    const run = (s: Started, mode: string, name: string, seconds: number) =>
      load(s.ports[mode], mode === 'production' && !s.tree.peer && !s.tree.bare ? secret : null, name, seconds, s.tree.peer);
    for (const s of started) for (const mode of MODES) for (const name of QUERIES) if (measured(s, mode, name)) await run(s, mode, name, 2); // warm-up
    if (PROFILE_DIR) {
      mkdirSync(PROFILE_DIR, { recursive: true });
      await Promise.all(started.map((s) => ask(s.child, { profile: 'start' })));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of QUERIES) {
        for (const mode of MODES) {
          for (const s of started) {
            if (!measured(s, mode, name)) continue;
            const key = `${name}\t${s.tree.peer ? 'no tokens' : mode}\t${s.tree.label}`;
            const rate = await run(s, mode, name, SECONDS);
            rates.set(key, [...(rates.get(key) ?? []), rate]);
            loads.push(loadavg()[0]);
          }
        }
      }
    }
    if (PROFILE_DIR) {
      for (const s of started) await ask(s.child, { profile: 'stop', file: `${PROFILE_DIR}/${s.tree.label}${s.mode ? `-${s.mode}` : ''}.cpuprofile` });
      console.log(`CPU profiles of the measured rounds in ${PROFILE_DIR}/<tree>[-<mode>].cpuprofile`);
    }
  } finally {
    for (const s of started) {
      const exited = new Promise((resolve) => s.child.once('exit', resolve));
      s.child.disconnect();
      await exited;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DELETE FROM "ApiToken" WHERE id = $1', [token.id]);
    await client.end();
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  console.log(
    `${CONCURRENCY} in flight, ${SECONDS} s x ${ROUNDS} rounds per (query, mode, tree), ${cpus().length} cores, ` +
      `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} (1 min)`,
  );
  for (const [key, list] of rates) {
    const [name, mode, label] = key.split('\t');
    console.log(`  ${name.padEnd(8)} ${mode.padEnd(12)} ${label.padEnd(8)} ${list.map((r) => r.toFixed(0)).join(' / ')} req/s (median ${median(list).toFixed(0)})`);
  }
}

await main();
