import { createServer as createHttpServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';

// The peer of bench/requests.ts (BENCH_PEER=1): PostGraphile 4 over the bench database's
// own tables (schema public, the same rows and indexes ours reads), in its own process
// like our servers, with the plugins bench/peer.ts gives it. It has no tokens, so it is
// measured once, beside both of our modes. Installed outside the repository (see
// bench/README.md, "Beside PostGraphile"); BENCH_PEER_DIR points at it.

const peerDir = process.env.BENCH_PEER_DIR ?? '/tmp/peer';
const pool = new pg.Pool({ connectionString: process.env.SG_DATABASE_URL ?? '', max: 4 });
pool.on('error', () => undefined);
const peerRequire = createRequire(join(peerDir, 'package.json'));
const { postgraphile } = peerRequire('postgraphile') as { postgraphile: (pool: pg.Pool, schema: string, options: Record<string, unknown>) => RequestListener };
const aggregates = peerRequire('@graphile/pg-aggregates');
const filter = peerRequire('postgraphile-plugin-connection-filter');
const http = createHttpServer(
  postgraphile(pool, 'public', {
    appendPlugins: [aggregates.default ?? aggregates, filter.default ?? filter],
    graphqlRoute: '/graphql',
    disableQueryLog: true,
    retryOnInitFail: false,
    graphiql: false,
    showErrorStack: false,
    extendedErrors: [],
  }),
);
await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
const port = (http.address() as AddressInfo).port;
process.send?.({ ports: { development: port, production: port } });
process.on('message', () => process.send?.({ profiled: false }));
process.on('disconnect', () => {
  http.close();
  void pool.end().then(() => process.exit(0));
});
