import { randomUUID } from 'node:crypto';
import type { RequestSqlContext } from '../db/request-context.ts';
import { runInSlot, scopeSlot, slotValue } from '../request-scope.ts';
import type { Authenticated } from './authenticate.ts';

/** What the server records about one HTTP request, for its context and its log line. */
export interface RequestRecord {
  id: string;
  startedAt: number;
  method: string;
  path: string;
  sql: RequestSqlContext;
  /** Set by the authentication gate; null for public routes and refused requests. */
  auth: Authenticated | null;
  operationName: string | null;
  /** `extensions.code` of every error the response carries. */
  errorCodes: Set<string>;
}

const slot = scopeSlot<RequestRecord>('request record');

/** Runs the handling of one request with its record current. */
export function runWithRequest<T>(record: RequestRecord, work: () => T): T {
  return runInSlot(slot, record, work);
}

/** The record of the request being handled, if any. */
export function currentRequest(): RequestRecord | undefined {
  return slotValue(slot);
}

const INCOMING_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id: the caller's `X-Request-Id` when it is a sane token, else a new UUID. */
export function requestIdFor(request: Request): string {
  const incoming = request.headers.get('x-request-id');
  return incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}
