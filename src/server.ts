import { randomUUID } from 'node:crypto';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import { maskError } from './error-masking.ts';
import { usePageSizeLimit } from './schema/page-size-plugin.ts';
import { buildSchema } from './schema/index.ts';
import { DEVELOPMENT_VIEWER, type Context } from './schema/context.ts';
import { exampleTabs } from './schema/examples.ts';

/** Options for the HTTP/GraphQL server. */
export interface ServerOptions {
  db: Database;
  production?: boolean;
  /** Serve GraphiQL at /graphql (default: on outside production). */
  graphiql?: boolean;
  logger?: Logger;
}

/** The server type handed to tests (`yoga.fetch`) and to `node:http`. */
export type SupportgraphServer = YogaServerInstance<Record<string, unknown>, Context>;

function json(fetchAPI: { Response: typeof Response }, body: unknown, status: number): Response {
  return new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** Builds the Yoga server: GraphQL at /graphql plus health routes. */
export function createServer(options: ServerOptions): SupportgraphServer {
  const { db } = options;
  return createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Our /health checks the database; Yoga's built-in one would answer without it.
    healthCheckEndpoint: '/_yoga/health',
    // Yoga reports every error it sees; user mistakes are not server faults, so they go to debug.
    logging: options.logger
      ? {
          debug: (...args: unknown[]) => options.logger?.debug({ yoga: args }, 'yoga'),
          info: (...args: unknown[]) => options.logger?.info({ yoga: args }, 'yoga'),
          warn: (...args: unknown[]) => options.logger?.warn({ yoga: args }, 'yoga'),
          error: (...args: unknown[]) => options.logger?.error({ yoga: args }, 'yoga'),
        }
      : false,
    maskedErrors: { maskError: (error, message) => maskError(error, message, options.production ?? false) },
    graphiql: (options.graphiql ?? !options.production)
      ? { title: 'Supportgraph', defaultTabs: exampleTabs() }
      : false,
    context: (): Context => ({
      db,
      viewer: DEVELOPMENT_VIEWER,
      requestId: randomUUID(),
      loaders: new Map(),
    }),
    plugins: [
      usePageSizeLimit(),
      {
        async onRequest({ request, url, endResponse, fetchAPI }) {
          if (url.pathname === '/health' && request.method === 'GET') {
            try {
              await db.driver.query('SELECT 1');
              endResponse(json(fetchAPI, { status: 'ok', database: db.kind }, 200));
            } catch (error) {
              endResponse(json(fetchAPI, { status: 'unavailable', error: (error as Error).message }, 503));
            }
          } else if (url.pathname === '/') {
            endResponse(fetchAPI.Response.redirect(new URL('/graphql', url).toString(), 302));
          }
        },
      },
    ],
  });
}
