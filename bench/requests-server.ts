import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { answerProfileRequests } from './peer-server.ts';

// One server process of bench/requests.ts: the Supportgraph tree at SG_ROOT (this one,
// or an older checkout for a before/after comparison) serving the bench database in the
// modes of SG_MODES (development, production), a port each. It reports them over IPC and
// runs until its parent disconnects. Its own process, so the load generator does not
// share its core (and `node --cpu-prof` profiles only the server).

const root = resolve(process.env.SG_ROOT ?? '.');
const url = process.env.SG_DATABASE_URL ?? '';
const adminToken = process.env.SG_ADMIN_TOKEN ?? '';
const responseCache = process.env.SG_RESPONSE_CACHE !== 'false';

type ServerModule = typeof import('../src/server.ts');
type ClientModule = typeof import('../src/db/client.ts');
type LoggerModule = typeof import('../src/logger.ts');
const { createServer } = (await import(pathToFileURL(`${root}/src/server.ts`).href)) as ServerModule;
const { openDatabase } = (await import(pathToFileURL(`${root}/src/db/client.ts`).href)) as ClientModule;

const { createLogger } = (await import(pathToFileURL(`${root}/src/logger.ts`).href)) as LoggerModule;

// The server logs as `npm start` does: one JSON line per request to stdout (the parent
// points stdout at /dev/null), so the cost of logging is part of the figure.
const logger = createLogger('info');
const db = await openDatabase({ kind: 'postgres', url }, { poolSize: 4 });
const ports: Record<string, number> = {};
const servers: Server[] = [];
// SG_MODES: the modes this process serves (bench/requests.ts starts one process per mode,
// the production one under NODE_ENV=production as a production `npm start` runs).
const modes = (process.env.SG_MODES ?? 'development,production').split(',');
for (const production of [false, true].filter((p) => modes.includes(p ? 'production' : 'development'))) {
  const yoga = createServer({
    db,
    production,
    graphiql: false,
    logger,
    responseCache,
    config: { adminToken, rateLimitPerMinute: 100_000_000, queryTimeoutMs: 60_000 },
  });
  const http = createHttpServer(yoga);
  await new Promise<void>((done) => http.listen(0, '127.0.0.1', done));
  ports[production ? 'production' : 'development'] = (http.address() as AddressInfo).port;
  servers.push(http);
}
answerProfileRequests();
process.send?.({ ports });
process.on('disconnect', () => {
  void (async () => {
    for (const http of servers) await new Promise((done) => http.close(done));
    await db.close();
    // --cpu-prof writes its profile on a normal exit.
    process.exit(0);
  })();
});
