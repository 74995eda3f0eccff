import { createHash } from 'node:crypto';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { DASHBOARD_DOCUMENTS } from '../../web/src/queries.ts';
import { currentRequest } from '../auth/request.ts';
import { userError } from '../errors.ts';

/** SHA-256 (hex) of a document's text: its persisted-document id. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The published (trusted) documents by hash: the dashboard's queries. */
export const TRUSTED_DOCUMENTS: ReadonlyMap<string, string> = new Map(
  Object.values(DASHBOARD_DOCUMENTS).map((text) => [documentHash(text), text]),
);

// The same documents by text: a request's query is looked up by its text, which costs
// no hashing of every query that is not one of them.
const TRUSTED_TEXTS: ReadonlyMap<string, string> = new Map([...TRUSTED_DOCUMENTS].map(([hash, text]) => [text, hash]));

/** Roles that may send any document even when clients are restricted to trusted ones. */
const FREE_QUERY_ROLES = new Set(['ADMIN', 'ANALYST']);

/**
 * Persisted (trusted) documents: a request may name a published document by hash
 * (`extensions.persistedQuery.sha256Hash`, the Apollo format) instead of sending its text.
 * With `trustedOnly`, requests of other roles than ADMIN and ANALYST may run only those
 * documents (by hash, or by sending exactly the published text); anything else is refused
 * with PERSISTED_QUERY_ONLY.
 */
export function useTrustedDocuments(options: { trustedOnly: boolean }): Plugin[] {
  const freeQueriesAllowed = () => {
    if (!options.trustedOnly) return true;
    const role = currentRequest()?.auth?.viewer.role;
    return role !== undefined && FREE_QUERY_ROLES.has(role);
  };
  return [
    {
      // A request that sends the exact text of a published document is that document.
      onParams({ params, setParams }) {
        const hash = typeof params.query === 'string' ? TRUSTED_TEXTS.get(params.query) : undefined;
        if (hash === undefined) return;
        setParams({ ...params, query: undefined, extensions: { ...params.extensions, persistedQuery: { version: 1, sha256Hash: hash } } });
      },
    },
    usePersistedOperations({
      getPersistedOperation: (hash) => TRUSTED_DOCUMENTS.get(hash) ?? null,
      allowArbitraryOperations: () => freeQueriesAllowed(),
      customErrors: {
        notFound: () =>
          userError('PERSISTED_QUERY_NOT_FOUND', 'no published document has this sha256Hash; send the query text, or one of the dashboard documents (web/src/queries.ts)'),
        keyNotFound: () =>
          userError('BAD_USER_INPUT', 'the request has neither a query nor extensions.persistedQuery { version: 1, sha256Hash }'),
        persistedQueryOnly: () =>
          userError('PERSISTED_QUERY_ONLY', 'this server runs only its published documents for this token; send one by extensions.persistedQuery.sha256Hash (an ADMIN or ANALYST token may send any query)'),
      },
    }) as Plugin,
  ];
}
