import { newReportToken } from '../exports/tokens.ts';
import type { DeliveryResult } from '../exports/deliveries.ts';
import {
  nextScheduledRun,
  ownerOf,
  reportPath,
  reportWhere,
  requireReportAccess,
  storedDestinations,
  validateReportInput,
  type Destination,
  type ReportInputValue,
} from '../exports/reports.ts';
import { userError } from '../errors.ts';
import { Prisma, type Report } from '../generated/prisma/client.ts';
import { builder } from './builder.ts';
import { nodeScope } from './node.ts';
import type { Context } from './context.ts';
import { decodeId } from './filters.ts';
import { connectionSizes, checkPageArgs } from './pagination.ts';

/** File formats of exports and reports. */
export const ExportFormatEnum = builder.enumType('ExportFormat', {
  description: 'File format of an export: CSV (RFC 4180, UTF-8), XLSX (typed cells, one sheet per list) or JSON (an array of row objects).',
  values: {
    CSV: { description: 'Comma-separated values, UTF-8, CRLF, header row; formula-like text is escaped.' },
    XLSX: { description: 'Excel workbook: numbers, dates in the report zone, durations in hours, rates as percentages.' },
    JSON: { description: 'A JSON array with one object per row, keyed by column name; values as the API returns them.' },
  } as const,
});

/** Ranges resolved when a report runs. */
export const RelativeRangeEnum = builder.enumType('RelativeRange', {
  description:
    "A range resolved when the report runs, in the report's time zone (days start at local midnight), and passed to its query as $range. Whole-day ranges end at the start of today.",
  values: {
    TODAY: { description: 'Today, from local midnight to the next.' },
    YESTERDAY: { description: 'The day before today.' },
    LAST_7_DAYS: { description: 'The 7 whole days before today.' },
    LAST_WEEK: { description: 'The Monday-to-Sunday week before the current one.' },
    LAST_MONTH: { description: 'The calendar month before the current one.' },
    MONTH_TO_DATE: { description: 'From the first of this month to the end of today.' },
    QUARTER_TO_DATE: { description: 'From the first day of this quarter to the end of today.' },
    LAST_N_DAYS: { description: 'The lastDays whole days before today.' },
  } as const,
});

const RunStatusEnum = builder.enumType('ReportRunStatus', {
  description: 'Where a report run is.',
  values: {
    PENDING: { description: 'Due, waiting for a scheduler to claim it.' },
    RUNNING: { description: 'Being produced or delivered (or resumed after its process stopped).' },
    SUCCEEDED: { description: 'Produced and delivered to every destination.' },
    FAILED: { description: 'The query failed, or a destination still refused the file after every retry; see error.' },
  } as const,
});

const RunTriggerEnum = builder.enumType('ReportRunTrigger', {
  description: 'What started a run.',
  values: {
    SCHEDULE: { description: "The report's cron schedule." },
    MANUAL: { description: 'runReport.' },
  } as const,
});

const DeliveryKindEnum = builder.enumType('ReportDestinationKind', {
  description: 'Kind of destination.',
  values: {
    FOLDER: { description: 'A folder under the server’s EXPORT_DIR.' },
    WEBHOOK: { description: 'An HTTP POST of the file.' },
    EMAIL: { description: 'An e-mail with the file attached, through the server’s SMTP_URL.' },
  } as const,
});

const DeliveryStatusEnum = builder.enumType('ReportDeliveryStatus', {
  description: 'What became of the file at one destination.',
  values: {
    PENDING: { description: 'Not delivered yet (an attempt failed and a retry is due).' },
    DELIVERED: { description: 'Accepted by the destination.' },
    FAILED: { description: 'Refused on every attempt.' },
  } as const,
});

/** Where a report's file goes. */
export const DestinationInput = builder.inputType('DestinationInput', {
  description: 'One destination of a report; set exactly one field.',
  fields: (t) => ({
    folder: t.string({ description: 'A folder inside the server’s EXPORT_DIR (relative, no ".."); "." for EXPORT_DIR itself.' }),
    webhookUrl: t.field({ type: 'URL', description: 'An http(s) URL the file is POSTed to (body: the file; Idempotency-Key: one per run).' }),
    email: t.field({ type: ['EmailAddress'], description: 'Recipients of an e-mail with the file attached (SMTP_URL on the server).' }),
  }),
});

/** A report definition. */
export const ReportInput = builder.inputType('ReportInput', {
  description: 'A saved export: a query, its format, an optional relative range and cron schedule, and where the file goes.',
  fields: (t) => ({
    name: t.string({ required: true, description: 'Name (1 to 200 characters); also names the files.' }),
    query: t.string({
      required: true,
      description: 'One GraphQL query operation; may declare $range: DateTimeRange! (filled from range) and $timeZone: TimeZone (filled from timeZone).',
    }),
    variables: t.field({ type: 'JSON', description: 'Values of the query’s other variables.' }),
    format: t.field({ type: ExportFormatEnum, required: true, description: 'File format.' }),
    range: t.field({ type: RelativeRangeEnum, description: 'Resolved when the report runs and passed as $range; absent: no $range.' }),
    lastDays: t.int({ description: 'With range LAST_N_DAYS: how many whole days before today (1 to 3660).' }),
    timeZone: t.field({
      type: 'TimeZone',
      defaultValue: 'UTC',
      description: 'IANA zone of the range, the schedule and the dates in the file; default UTC.',
    }),
    schedule: t.string({
      description: 'Cron expression (5 fields, evaluated in timeZone), e.g. "0 8 * * 1" for Mondays 08:00; absent: on demand only.',
    }),
    destinations: t.field({ type: [DestinationInput], description: 'Where each run’s file goes; several allowed, none: runs are only recorded.' }),
  }),
});

/** A stored destination, as clients read it. */
const DestinationRef = builder.objectRef<Destination>('ReportDestination').implement({
  description: 'One destination of a report; exactly one field is set.',
  fields: (t) => ({
    folder: t.string({ nullable: true, description: 'Folder inside EXPORT_DIR.', resolve: (d) => ('folder' in d ? d.folder : null) }),
    webhookUrl: t.string({ nullable: true, description: 'Webhook URL.', resolve: (d) => ('webhookUrl' in d ? d.webhookUrl : null) }),
    email: t.stringList({ nullable: true, description: 'E-mail recipients.', resolve: (d) => ('email' in d ? d.email : null) }),
  }),
});

/** What one destination answered. */
const DeliveryRef = builder.objectRef<DeliveryResult>('ReportDelivery').implement({
  description: 'What one destination answered for a run.',
  fields: (t) => ({
    destination: t.exposeString('destination', { description: 'The destination, readable (webhooks without their query string).' }),
    kind: t.field({ type: DeliveryKindEnum, description: 'Kind of destination.', resolve: (d) => d.kind }),
    status: t.field({ type: DeliveryStatusEnum, description: 'Delivered, failed after every retry, or pending.', resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made, the first one included (failures are retried with growing waits).' }),
    detail: t.exposeString('detail', { nullable: true, description: 'Where it went: file path, HTTP status or SMTP message id.' }),
    error: t.exposeString('error', { nullable: true, description: 'The last attempt’s failure, if it failed.' }),
    deliveredAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the destination accepted the file.',
      resolve: (d) => d.deliveredAt,
    }),
  }),
});

// A token exists in clear only in the answer that created it: the database keeps its hash.
const issuedTokens = new WeakMap<object, string>();

function reportUrl(report: Report, ctx: Context): string {
  const token = issuedTokens.get(report) ?? 'HIDDEN';
  // Yoga puts the request into every context; a report run's context has none.
  const requestUrl = (ctx as Context & { request?: { url?: unknown } }).request?.url;
  const base = ctx.exports?.settings.publicUrl ?? (typeof requestUrl === 'string' ? new URL(requestUrl).origin : '');
  return `${base}${reportPath(report)}?token=${token}`;
}

/** A saved report. */
export const ReportRef = builder.prismaNode('Report', {
  id: { field: 'id' },
  nullable: true,
  findUnique: nodeScope('Report', (ctx) => reportWhere(ctx.viewer)),
  description:
    "A saved export: a query run on demand, on a cron schedule and through its link, with its creator's team scope.",
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Name.' }),
    query: t.exposeString('query', { description: 'The GraphQL query it runs.' }),
    variables: t.field({ type: 'JSON', nullable: true, description: 'Values of the query’s variables.', resolve: (r) => r.variables }),
    format: t.field({ type: ExportFormatEnum, description: 'File format.', resolve: (r) => r.format }),
    range: t.field({ type: RelativeRangeEnum, nullable: true, description: 'Relative range passed as $range.', resolve: (r) => r.range }),
    lastDays: t.exposeInt('lastDays', { nullable: true, description: 'Days of a LAST_N_DAYS range.' }),
    timeZone: t.field({ type: 'TimeZone', description: 'Zone of the range, schedule and dates.', resolve: (r) => r.timeZone }),
    schedule: t.exposeString('schedule', { nullable: true, description: 'Cron expression in timeZone; null: on demand only.' }),
    destinations: t.field({ type: [DestinationRef], description: 'Where each run’s file goes.', resolve: (r) => storedDestinations(r) }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', nullable: true, description: 'The next scheduled run; null without a schedule.' }),
    url: t.string({
      description:
        'The stable link /reports/<id>.<format>?token=… for Excel, Power Query or Google Sheets IMPORTDATA; it runs the query at each fetch. The token is stored hashed, so it appears here only in the answers of createReport and rotateReportToken; elsewhere it reads HIDDEN.',
      resolve: (r, _args, ctx) => reportUrl(r, ctx),
    }),
    runs: t.relatedConnection('runs', {
      cursor: 'id',
      description: 'Runs of this report, newest first.',
      totalCount: true,
      ...connectionSizes,
      query: (args) => {
        checkPageArgs(args);
        return { orderBy: [{ id: 'desc' }] };
      },
    },
    { name: 'ReportRunConnection', description: 'A page of report runs.' },
    { name: 'ReportRunEdge', description: 'A report run and its cursor.' },
    ),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the report was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the report was last changed.' }),
  }),
});

/** One run of a report. */
export const ReportRunRef = builder.prismaNode('ReportRun', {
  id: { field: 'id' },
  nullable: true,
  findUnique: nodeScope('ReportRun', (ctx) => ({ report: reportWhere(ctx.viewer) })),
  description: 'One run of a report: when, for which range, how many rows and bytes, and what each destination answered.',
  fields: (t) => ({
    report: t.relation('report', { description: 'The report.' }),
    trigger: t.field({ type: RunTriggerEnum, description: 'Schedule or runReport.', resolve: (r) => r.trigger }),
    status: t.field({ type: RunStatusEnum, description: 'Where the run is.', resolve: (r) => r.status }),
    scheduledFor: t.expose('scheduledFor', { type: 'DateTime', nullable: true, description: 'SCHEDULE: the cron instant the run is for.' }),
    rangeFrom: t.expose('rangeFrom', { type: 'DateTime', nullable: true, description: 'Start of the resolved $range (inclusive).' }),
    rangeTo: t.expose('rangeTo', { type: 'DateTime', nullable: true, description: 'End of the resolved $range (exclusive).' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true, description: 'When a process started the run.' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true, description: 'When the run ended (succeeded or failed).' }),
    rows: t.exposeInt('rows', { nullable: true, description: 'Rows in the file (header not counted).' }),
    bytes: t.exposeInt('bytes', { nullable: true, description: 'Size of the file in bytes.' }),
    deliveries: t.field({
      type: [DeliveryRef],
      description: 'One result per destination, in the report’s order.',
      resolve: (r) => (Array.isArray(r.deliveries) ? (r.deliveries as unknown as DeliveryResult[]) : []),
    }),
    error: t.exposeString('error', { nullable: true, description: 'Why the run failed: the query error or the deliveries that failed.' }),
  }),
});

async function findReport(ctx: Context, id: string | number, query: { include?: Prisma.ReportInclude; select?: Prisma.ReportSelect } = {}) {
  requireReportAccess(ctx.viewer);
  const report = await ctx.db.prisma.report.findFirst({ ...query, where: { AND: [{ id: decodeId(id, 'Report') }, reportWhere(ctx.viewer)] } });
  if (!report) throw userError('NOT_FOUND', `no report with id ${String(id)}`, { argument: 'id' });
  return report;
}

function definitionData(ctx: Context, input: ReportInputValue, schema: Parameters<typeof validateReportInput>[0]) {
  const now = ctx.exports?.clock.now() ?? new Date();
  const valid = validateReportInput(schema, input, now);
  return {
    name: valid.name,
    query: valid.query,
    variables: valid.variables === null ? Prisma.DbNull : (valid.variables as Prisma.InputJsonValue),
    format: valid.format,
    range: valid.range,
    lastDays: valid.lastDays,
    timeZone: valid.timeZone,
    schedule: valid.schedule,
    destinations: valid.destinations as unknown as Prisma.InputJsonValue,
    nextRunAt: valid.schedule ? nextScheduledRun(valid.schedule, valid.timeZone, now) : null,
  };
}

builder.queryFields((t) => ({
  reports: t.prismaField({
    type: ['Report'],
    description: 'Saved reports the viewer may manage, by name.',
    resolve: (query, _root, _args, ctx) => {
      requireReportAccess(ctx.viewer);
      return ctx.db.prisma.report.findMany({ ...query, where: reportWhere(ctx.viewer), orderBy: [{ name: 'asc' }, { id: 'asc' }] });
    },
  }),
  report: t.prismaField({
    type: 'Report',
    nullable: true,
    description: 'One saved report by id; null when it does not exist or is not the viewer’s to see.',
    args: { id: t.arg.id({ required: true, description: 'A Report id.' }) },
    resolve: (query, _root, args, ctx) => {
      requireReportAccess(ctx.viewer);
      return ctx.db.prisma.report.findFirst({ ...query, where: { AND: [{ id: decodeId(args.id, 'Report') }, reportWhere(ctx.viewer)] } });
    },
  }),
}));

builder.mutationFields((t) => ({
  createReport: t.prismaField({
    type: 'Report',
    description:
      'Saves a report after checking it fully (the query validates and flattens to a table in the format; schedule, zone, range and destinations are usable). It runs with the creator’s team scope. The answer’s url holds the link token, shown this once.',
    args: { input: t.arg({ type: ReportInput, required: true, description: 'The report.' }) },
    resolve: async (query, _root, { input }, ctx, info) => {
      requireReportAccess(ctx.viewer);
      const { token, hash } = newReportToken();
      const report = await ctx.db.prisma.report.create({
        ...query,
        data: { ...definitionData(ctx, input as ReportInputValue, info.schema), ...ownerOf(ctx.viewer), tokenHash: hash },
      });
      issuedTokens.set(report, token);
      return report;
    },
  }),
  updateReport: t.prismaField({
    type: 'Report',
    description: 'Replaces a report’s definition (its owner scope, link token and past runs stay); the next run is recomputed from now.',
    args: {
      id: t.arg.id({ required: true, description: 'The Report id.' }),
      input: t.arg({ type: ReportInput, required: true, description: 'The new definition.' }),
    },
    resolve: async (query, _root, { id, input }, ctx, info) => {
      const existing = await findReport(ctx, id);
      return ctx.db.prisma.report.update({ ...query, where: { id: existing.id }, data: definitionData(ctx, input as ReportInputValue, info.schema) });
    },
  }),
  deleteReport: t.boolean({
    description: 'Deletes a report and its runs; its link stops working. True when deleted.',
    args: { id: t.arg.id({ required: true, description: 'The Report id.' }) },
    resolve: async (_root, { id }, ctx) => {
      const existing = await findReport(ctx, id);
      await ctx.db.prisma.report.delete({ where: { id: existing.id } });
      return true;
    },
  }),
  runReport: t.prismaField({
    type: 'ReportRun',
    description:
      'Runs a report now, for the range as of now, delivers it (retrying failed destinations with backoff) and returns the finished run.',
    args: { id: t.arg.id({ required: true, description: 'The Report id.' }) },
    resolve: async (query, _root, { id }, ctx) => {
      const existing = await findReport(ctx, id);
      if (!ctx.exports) throw userError('INTERNAL_SERVER_ERROR', 'reports cannot run: the exports plugin is not installed on this server');
      const runId = await ctx.exports.runner.runNow(existing.id);
      return ctx.db.prisma.reportRun.findUniqueOrThrow({ ...query, where: { id: runId } });
    },
  }),
  rotateReportToken: t.prismaField({
    type: 'Report',
    description: 'Gives a report a new link token; the old link answers 401 from now on. The answer’s url holds the new token, shown this once.',
    args: { id: t.arg.id({ required: true, description: 'The Report id.' }) },
    resolve: async (query, _root, { id }, ctx) => {
      const existing = await findReport(ctx, id);
      const { token, hash } = newReportToken();
      const report = await ctx.db.prisma.report.update({ ...query, where: { id: existing.id }, data: { tokenHash: hash } });
      issuedTokens.set(report, token);
      return report;
    },
  }),
}));
