import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { peerHandler } from './peer-server.ts';

// The peer of bench/requests.ts (BENCH_PEER=1): PostGraphile 4 over the bench database's
// own tables (schema public, the same rows and indexes ours reads), in a process of its
// own like our servers, configured as for bench/peer.ts (bench/peer-server.ts). It has no
// tokens, so it is measured once per round, beside both of our modes.

const pool = new pg.Pool({ connectionString: process.env.SG_DATABASE_URL ?? '', max: 4 });
pool.on('error', () => undefined);
const http = createHttpServer(peerHandler(pool, 'public'));
await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
const port = (http.address() as AddressInfo).port;
process.send?.({ ports: { development: port, production: port } });
process.on('message', () => process.send?.({ profiled: false }));
process.on('disconnect', () => {
  http.close();
  void pool.end().then(() => process.exit(0));
});
