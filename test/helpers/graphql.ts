import type { ExecutionResult } from 'graphql';
import { createServer, type SupportgraphServer } from '../../src/server.ts';
import type { Database } from '../../src/db/client.ts';

/** A GraphQL answer with loosely typed data, as tests read it. */
export type GqlResult = ExecutionResult<any, { code?: string; [key: string]: unknown }> & { status: number };

/** Sends GraphQL documents to an in-process server over `yoga.fetch` (no port). */
export interface GqlClient {
  server: SupportgraphServer;
  query(document: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResult>;
}

/** Creates a server on the given database and a client for it. */
export function gqlClient(db: Database, options: Parameters<typeof createServer>[0] extends infer O ? Partial<O> : never = {}): GqlClient {
  const server = createServer({ db, ...options });
  return {
    server,
    async query(document, variables, headers = {}) {
      const response = await server.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: document, variables }),
      });
      const body = (await response.json()) as ExecutionResult;
      return { ...(body as GqlResult), status: response.status };
    },
  };
}
