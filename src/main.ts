import { createServer as createHttpServer } from 'node:http';
import { ConfigError, loadConfig, loadExportSettings, type ExportSettings } from './config.ts';
import { DatabaseLockedError, openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { createServer } from './server.ts';
import { createLogger } from './logger.ts';
import { loadDemoDataIfEmpty } from './demo.ts';
import { deriveMissingTicketFacts } from './analytics/ticket-facts.ts';
import { recomputeUncomputedTickets } from './sla/recompute.ts';
import { ReportScheduler } from './exports/scheduler.ts';

/** Starts Supportgraph: config, database, migrations, demo data, HTTP; stops cleanly on SIGINT/SIGTERM. */
export async function main(): Promise<void> {
  let config;
  let exportSettings: ExportSettings;
  try {
    config = loadConfig();
    exportSettings = loadExportSettings();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`supportgraph: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);

  let db;
  try {
    db = await openDatabase(config.database);
  } catch (error) {
    if (error instanceof DatabaseLockedError) {
      console.error(`supportgraph: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  log.info({ database: db.location }, 'database opened');
  const applied = await migrate(db.driver);
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');

  if (config.seedDemo) await loadDemoDataIfEmpty(db, config.demoTickets, log);
  // Tickets loaded around ingestion (or before migration 0007) get their SLA and
  // event-derived columns now, so none reads as "no policy" only because nothing ran.
  const slaCaughtUp = await recomputeUncomputedTickets(db);
  const factsCaughtUp = await deriveMissingTicketFacts(db);
  if (slaCaughtUp + factsCaughtUp > 0) log.info({ slaCaughtUp, factsCaughtUp }, 'derived ticket columns computed for tickets that had none');

  const yoga = createServer({ db, production: config.production, logger: log, config });
  const http = createHttpServer(yoga);
  await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info(`Supportgraph listening: GraphQL and GraphiQL at http://localhost:${port}/graphql`);
  // Saved reports run on their schedules in this process once it serves requests.
  const scheduler = new ReportScheduler({ db, gateway: yoga, settings: exportSettings, logger: log });
  if (exportSettings.schedulerEnabled) scheduler.start();
  if (!config.production) log.warn('development mode (NODE_ENV is not production): requests without a token act as ADMIN');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing in-flight requests');
    // close() stops accepting and resolves once in-flight requests have finished.
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeIdleConnections();
    const force = setTimeout(() => http.closeAllConnections(), 10_000);
    await closed;
    clearTimeout(force);
    await scheduler.stop();
    await db.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
