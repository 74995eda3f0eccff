import { writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type pg from 'pg';

/** Where the PostGraphile peer is installed (outside the repository; bench/README.md, "Beside PostGraphile"). */
export const PEER_DIR = process.env.BENCH_PEER_DIR ?? '/tmp/peer';

/**
 * PostGraphile 4 with @graphile/pg-aggregates and the connection filter plugin over one
 * schema of `pool`'s database, configured as a production deployment would be (no stack
 * traces, no explain, no watch, no query log). Loaded from PEER_DIR: it is not our dependency.
 */
export function peerHandler(pool: pg.Pool, schema: string): RequestListener {
  const peerRequire = createRequire(join(PEER_DIR, 'package.json'));
  const { postgraphile } = peerRequire('postgraphile') as { postgraphile: (pool: pg.Pool, schema: string, options: Record<string, unknown>) => RequestListener };
  const aggregates = peerRequire('@graphile/pg-aggregates');
  const filter = peerRequire('postgraphile-plugin-connection-filter');
  return postgraphile(pool, schema, {
    appendPlugins: [aggregates.default ?? aggregates, filter.default ?? filter],
    graphqlRoute: '/graphql',
    disableQueryLog: true,
    retryOnInitFail: false,
    graphiql: false,
    showErrorStack: false,
    extendedErrors: [],
  });
}

/**
 * Answers bench/requests.ts' BENCH_PROFILE messages in a server process: `start` after the
 * warm-up, `stop` with the file to write at the end, so the profile shows the steady
 * state, not module loading. Each message is acknowledged over IPC.
 */
export function answerProfileRequests(): void {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((done, fail) => session.post(method, params ?? {}, (error, result) => (error ? fail(error) : done(result))));
  process.on('message', (message: { profile?: 'start' | 'stop'; file?: string }) => {
    void (async () => {
      if (message.profile === 'start') {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 200 });
        await post('Profiler.start');
      } else if (message.profile === 'stop' && message.file) {
        const { profile } = (await post('Profiler.stop')) as { profile: object };
        writeFileSync(message.file, JSON.stringify(profile));
      }
      process.send?.({ profiled: message.profile });
    })();
  });
}

/**
 * Runs `handler` as a server process of bench/requests.ts that has no modes (the
 * PostGraphile peer, the bare stack): it reports its one port over IPC as
 * both modes' port and stops, closing `close`, when its parent disconnects.
 */
export async function serveAsBenchChild(handler: RequestListener, close: () => Promise<unknown>): Promise<void> {
  const http = createServer(handler);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  const port = (http.address() as AddressInfo).port;
  process.send?.({ ports: { development: port, production: port } });
  answerProfileRequests();
  process.on('disconnect', () => {
    http.close();
    void close().then(() => process.exit(0));
  });
}
