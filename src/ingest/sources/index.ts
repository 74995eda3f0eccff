import type { ConnectionRow } from '../sync/connections.ts';
import { DEFAULT_RETRY, SyncHttpClient, type RetryPolicy } from '../sync/http.ts';
import type { Connector } from '../sync/runner.ts';
import { freshdeskAuthorization, freshdeskConnector } from './freshdesk/sync.ts';
import { zendeskAuthorization, zendeskConnector } from './zendesk/sync.ts';

// The connectors by kind: the one place that knows which vendor module serves a
// connection (the runner and the scheduler stay vendor-neutral).

/** Credentials of a connection, by kind: Zendesk e-mail + API token, Freshdesk API key. */
export type Credentials = { email: string; token: string } | { apiKey: string };

/** The vendor's own API origin for an account. */
export function vendorBaseUrl(connection: Pick<ConnectionRow, 'kind' | 'account' | 'baseUrl'>): string {
  if (connection.baseUrl) return connection.baseUrl;
  return connection.kind === 'ZENDESK' ? `https://${connection.account}.zendesk.com` : `https://${connection.account}.freshdesk.com`;
}

/** Checks credentials for a kind; the message names what is missing. */
export function checkCredentials(kind: ConnectionRow['kind'], credentials: Record<string, string | null | undefined>): Credentials {
  if (kind === 'ZENDESK') {
    if (!credentials.email || !credentials.token) throw new Error('a Zendesk connection needs email and token (an API token of an admin)');
    return { email: credentials.email, token: credentials.token };
  }
  if (!credentials.apiKey) throw new Error('a Freshdesk connection needs apiKey');
  return { apiKey: credentials.apiKey };
}

/** The connector and HTTP client for a connection. */
export function connectorFor(
  connection: Pick<ConnectionRow, 'kind' | 'account' | 'baseUrl' | 'startTime'>,
  credentials: Credentials,
  options: { retry?: RetryPolicy; conversations?: boolean } = {},
): { connector: Connector; http: SyncHttpClient } {
  const baseUrl = vendorBaseUrl(connection);
  if (connection.kind === 'ZENDESK' && 'email' in credentials) {
    const http = new SyncHttpClient(zendeskAuthorization(credentials.email, credentials.token), options.retry ?? DEFAULT_RETRY);
    const startTime = connection.startTime ? Math.floor(connection.startTime.getTime() / 1000) : 0;
    return { http, connector: zendeskConnector(http, { baseUrl, startTime }) };
  }
  if (connection.kind === 'FRESHDESK' && 'apiKey' in credentials) {
    const http = new SyncHttpClient(freshdeskAuthorization(credentials.apiKey), options.retry ?? DEFAULT_RETRY);
    return { http, connector: freshdeskConnector(http, { baseUrl, startTime: connection.startTime ?? undefined, conversations: options.conversations }) };
  }
  throw new Error(`the credentials do not fit a ${connection.kind} connection`);
}
