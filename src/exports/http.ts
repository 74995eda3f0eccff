import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DateTime } from 'luxon';
import { currentRequest } from '../auth/request.ts';
import type { Database } from '../db/client.ts';
import { badInput, userError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { systemClock, type Clock } from './clock.ts';
import type { GraphqlGateway } from './execute.ts';
import { openExport, parseFormat, toReadableStream, type ExportFile } from './export.ts';
import { ReportRunner, reportRange, slugify } from './runner.ts';
import type { ExportRuntime } from './runtime.ts';
import { loadExportSettings, type ExportSettings } from '../config.ts';
import { hashReportToken, reportTokenMatches } from './tokens.ts';

/** Options of the exports plugin. */
export interface ExportsPluginOptions {
  db: Database;
  logger?: Logger;
  /** Default: read from the environment (EXPORT_DIR, SMTP_URL, ...). */
  settings?: ExportSettings;
  clock?: Clock;
}

const MAX_BODY_BYTES = 1_000_000;
const REPORT_LINK = /^\/reports\/(\d{1,9})\.(csv|xlsx|json)$/;
// Compared against when a link names no report, so a missing report costs the same time as a wrong token.
const NO_REPORT_HASH = hashReportToken(randomUUID());

const STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  GRAPHQL_PARSE_FAILED: 400,
  QUERY_TOO_COMPLEX: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  QUERY_TIMEOUT: 504,
};

function errorResponse(fetchAPI: { Response: typeof Response }, error: GraphQLError): Response {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR';
  const http = error.extensions?.http as { status?: number; headers?: Record<string, string> } | undefined;
  const { http: _omit, ...extensions } = error.extensions ?? {};
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions: { ...extensions, code } }] }), {
    status: http?.status ?? STATUS[code] ?? 500,
    headers: { 'content-type': 'application/json; charset=utf-8', ...(http?.headers ?? {}) },
  });
}

function fileResponse(fetchAPI: { Response: typeof Response }, file: ExportFile, filename: string): Response {
  return new fetchAPI.Response(toReadableStream(file.chunks), {
    status: 200,
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${filename}.${file.extension}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-export-time-zone': file.timeZone,
    },
  });
}

interface ExportParams {
  query: unknown;
  variables: unknown;
  operationName: unknown;
  format: unknown;
  bom: unknown;
  timeZone: unknown;
}

async function readParams(request: Request, url: URL): Promise<ExportParams> {
  if (request.method === 'GET') {
    const get = (name: string) => url.searchParams.get(name);
    let variables: unknown = null;
    const rawVariables = get('variables');
    if (rawVariables) {
      try {
        variables = JSON.parse(rawVariables);
      } catch {
        throw badInput('variables must be a JSON object (URL-encoded)', { argument: 'variables' });
      }
    }
    return { query: get('query'), variables, operationName: get('operationName'), format: get('format'), bom: get('bom'), timeZone: get('timeZone') };
  }
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw badInput(`the request body is over ${MAX_BODY_BYTES} bytes`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badInput('POST /export takes a JSON body: { "query": "...", "variables": {...}, "format": "csv" | "xlsx" | "json" }');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badInput('the POST /export body must be a JSON object');
  const b = body as Record<string, unknown>;
  return { query: b.query, variables: b.variables, operationName: b.operationName, format: b.format, bom: b.bom, timeZone: b.timeZone };
}

const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 'true';

/**
 * HTTP routes for exports, installed as a Yoga plugin:
 * - `POST /export` (JSON `{ query, variables, operationName, format, bom, timeZone }`) and
 *   `GET /export?query=…&variables=…&format=…`: runs the query as the request's viewer,
 *   through the server's own pipeline, and streams the flattened result.
 * - `GET /reports/<id>.<csv|xlsx|json>?token=…`: a saved report's stable link; 401 without
 *   the report's current token.
 * It also puts the report runner into every request's context for `runReport`.
 */
export function useExports(options: ExportsPluginOptions): Plugin<{ exports?: ExportRuntime }> {
  const settings = options.settings ?? loadExportSettings();
  const clock = options.clock ?? systemClock;
  let runtime: ExportRuntime | null = null;
  let gateway: GraphqlGateway | null = null;

  const fail = (fetchAPI: { Response: typeof Response }, error: unknown, requestId: string): Response => {
    if (error instanceof GraphQLError) return errorResponse(fetchAPI, error);
    options.logger?.error({ requestId, error: error instanceof Error ? error.stack : String(error) }, 'export failed');
    return errorResponse(fetchAPI, userError('INTERNAL_SERVER_ERROR', `Unexpected error (request id ${requestId}).`, { requestId }));
  };

  return {
    onYogaInit({ yoga }) {
      gateway = yoga as unknown as GraphqlGateway;
      runtime = { runner: new ReportRunner({ db: options.db, gateway, settings, clock, logger: options.logger }), settings, clock };
    },
    onContextBuilding({ extendContext }) {
      if (runtime) extendContext({ exports: runtime });
    },
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      const isExport = url.pathname === '/export';
      const link = REPORT_LINK.exec(url.pathname);
      if (!isExport && !link) return;
      const requestId = randomUUID();
      if (!gateway || !runtime) {
        endResponse(fail(fetchAPI, new Error('the exports plugin was not initialised'), requestId));
        return;
      }
      if (request.method !== 'GET' && !(isExport && request.method === 'POST')) {
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: `${request.method} is not allowed here`, extensions: { code: 'BAD_USER_INPUT' } }] }), {
            status: 405,
            headers: { 'content-type': 'application/json; charset=utf-8', allow: isExport ? 'GET, POST' : 'GET' },
          }),
        );
        return;
      }
      try {
        if (isExport) {
          // Each page of a streamed export executes under the request's clientSignal (what
          // useRequestCancellation hands the executor), which leaves an abort listener on
          // it until the request ends; a thousand pages are expected, and Node warned of a
          // leak from the 11th on.
          const clientSignal = currentRequest()?.sql.clientSignal;
          if (clientSignal) setMaxListeners(0, clientSignal);
          const params = await readParams(request, url);
          const extra = serverContext && typeof serverContext === 'object' ? (serverContext as Record<string, unknown>) : {};
          const file = await openExport(
            gateway,
            { kind: 'request', initialContext: { ...extra, request } },
            {
              query: params.query as string,
              variables: params.variables as Record<string, unknown> | null,
              operationName: typeof params.operationName === 'string' && params.operationName ? params.operationName : null,
            },
            {
              format: parseFormat(params.format ?? 'csv'),
              bom: truthy(params.bom),
              timeZone: typeof params.timeZone === 'string' && params.timeZone ? params.timeZone : null,
            },
          );
          const stamp = DateTime.fromJSDate(clock.now(), { zone: file.timeZone }).toFormat("yyyy-MM-dd'T'HHmmss");
          endResponse(fileResponse(fetchAPI, file, `export-${stamp}`));
          return;
        }
        const [, id, format] = link!;
        const token = url.searchParams.get('token');
        const report = await options.db.prisma.report.findUnique({ where: { id: Number(id) } });
        const valid = reportTokenMatches(token, report?.tokenHash ?? NO_REPORT_HASH);
        if (!report || !valid) {
          throw userError('UNAUTHENTICATED', 'this report link needs its current token (?token=…); ask the report owner for the link');
        }
        const file = await runtime.runner.openReportFile(report, reportRange(report, clock.now()), parseFormat(format));
        endResponse(fileResponse(fetchAPI, file, slugify(report.name)));
      } catch (error) {
        endResponse(fail(fetchAPI, error, requestId));
      }
    },
  };
}
