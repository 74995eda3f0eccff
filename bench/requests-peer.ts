import pg from 'pg';
import { peerHandler, serveAsBenchChild } from './peer-server.ts';

// The peer of bench/requests.ts (BENCH_PEER=1): PostGraphile 4 over the bench database's
// own tables (schema public, the same rows and indexes ours reads), in a process of its
// own like our servers, configured as for bench/peer.ts (bench/peer-server.ts). It has no
// tokens, so it is measured once per round, beside both of our modes.

const pool = new pg.Pool({ connectionString: process.env.SG_DATABASE_URL ?? '', max: 4 });
pool.on('error', () => undefined);
await serveAsBenchChild(peerHandler(pool, 'public'), () => pool.end());
