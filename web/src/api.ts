/** The dashboard's only way to the server: POST /graphql (persisted documents) and /export. */

declare const __DOCUMENT_HASHES__: Record<string, string>;

const TOKEN_KEY = 'supportgraph:token';

/** A GraphQL error as the server sends it. */
export interface ApiError {
  message: string;
  extensions?: { code?: string };
}

/** Thrown when the server wants a (valid) token. */
export class NeedsToken extends Error {}

/** The token kept for this browser tab (session storage), or null. */
export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Keeps the token for this tab only; cleared when the tab closes. */
export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(): Record<string, string> {
  const token = storedToken();
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

function operationName(document: string): string {
  return /^\s*query\s+(\w+)/.exec(document)?.[1] ?? '';
}

/**
 * Runs one of the dashboard's documents by its persisted hash (the server knows the
 * text), so production can restrict clients to these documents.
 */
export async function gql<T>(document: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const name = operationName(document);
  const hash = __DOCUMENT_HASHES__[name];
  const body = hash
    ? { operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }
    : { operationName: name, query: document, variables };
  const response = await fetch('/graphql', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal });
  const result = (await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }))) as {
    data?: T;
    errors?: ApiError[];
  };
  if (result.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED') || response.status === 401) throw new NeedsToken();
  if (result.errors?.length) throw new Error(result.errors.map((error) => error.message).join('; '));
  return result.data as T;
}

/** Downloads a panel's query as a CSV or XLSX file through POST /export. */
export async function download(document: string, variables: Record<string, unknown>, format: 'csv' | 'xlsx', timeZone: string, fileName: string): Promise<void> {
  const response = await fetch('/export', {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ query: document, variables, format, timeZone, bom: format === 'csv' }),
  });
  if (response.status === 401) throw new NeedsToken();
  if (!response.ok) throw new Error(`export failed: HTTP ${response.status} ${await response.text()}`);
  const url = URL.createObjectURL(await response.blob());
  const link = downloadLink(url, `${fileName}.${format}`);
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// A link that saves `href` as `name` when clicked.
function downloadLink(href: string, name: string): HTMLAnchorElement {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  return link;
}
