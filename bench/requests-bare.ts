import { createYoga } from 'graphql-yoga';
import { openDatabase } from '../src/db/client.ts';
import { buildSchema } from '../src/schema/index.ts';
import { DEVELOPMENT_VIEWER, type Context } from '../src/schema/context.ts';
import { guardTeamScope } from '../src/auth/row-guard.ts';
import { serveAsBenchChild } from './peer-server.ts';

// The bare stack of bench/requests.ts (BENCH_BARE=1): this tree's own schema (Pothos,
// Prisma, the pg adapter) served by createYoga with none of the server's plugins: no
// request record or log line, no SQL budget, no authentication, limits, policy or
// cache. What graphql-yoga + Pothos + Prisma cost on this machine, measured beside the
// real server and the PostGraphile peer; not a configuration anyone should run.

const db = await openDatabase({ kind: 'postgres', url: process.env.SG_DATABASE_URL ?? '' }, { poolSize: 4 });
const yoga = createYoga<Record<string, unknown>, Context>({
  schema: guardTeamScope(buildSchema()),
  logging: false,
  landingPage: false,
  graphiql: false,
  context: (): Context => ({ db, viewer: DEVELOPMENT_VIEWER, requestId: 'bare', loaders: new Map(), analyticsRollups: true }),
});
await serveAsBenchChild(yoga, () => db.close());
