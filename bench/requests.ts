import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { createServer } from '../src/server.ts';
import { benchDatabaseUrl, openBenchDatabase } from './load.ts';

// Per-request overhead (bench/README.md, "Requests"): the trivial
// `tickets(first: 10) { nodes { id } }` against the real server over loopback HTTP,
// keep-alive, CONCURRENCY requests in flight for SECONDS, in development mode (no token)
// and production mode (token check, masking, limits), alternating in rounds.
//   npx tsx bench/requests.ts

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = 3;

const db = await openBenchDatabase(benchDatabaseUrl());
const token = randomBytes(24).toString('hex');
const body = JSON.stringify({ query: '{ tickets(first: 10) { nodes { id } } }' });

async function serve(production: boolean) {
  const yoga = createServer({
    db,
    production,
    graphiql: false,
    config: { adminToken: token, rateLimitPerMinute: 100_000_000, queryTimeoutMs: 60_000 },
  });
  const http = createHttpServer(yoga);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, port: (http.address() as AddressInfo).port, production };
}

/** Requests per second for SECONDS with CONCURRENCY loops; every answer is checked. */
async function load(port: number, production: boolean): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (production) headers.authorization = `Bearer ${token}`;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || !text.includes('"nodes"')) reject(new Error(`bad answer ${res.statusCode}: ${text.slice(0, 200)}`));
          else resolve();
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        await one();
        done += 1;
      }
    }),
  );
  agent.destroy();
  return done / SECONDS;
}

const servers = [await serve(false), await serve(true)];
const rates: Record<string, number[]> = { development: [], production: [] };
try {
  for (const s of servers) await load(s.port, s.production); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of servers) rates[s.production ? 'production' : 'development'].push(await load(s.port, s.production));
  }
} finally {
  for (const s of servers) await new Promise((resolve) => s.http.close(resolve));
  await db.close();
}
console.log(`tickets(first: 10) { nodes { id } }: ${CONCURRENCY} in flight, ${SECONDS} s x ${ROUNDS} rounds per mode, ${cpus().length} cores`);
for (const [mode, list] of Object.entries(rates)) {
  console.log(`  ${mode}: ${list.map((r) => r.toFixed(0)).join(' / ')} req/s (best ${Math.max(...list).toFixed(0)})`);
}
