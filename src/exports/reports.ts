import { Cron } from 'croner';
import { Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { IANAZone } from 'luxon';
import { badInput, userError } from '../errors.ts';
import type { Prisma, Report } from '../generated/prisma/client.ts';
import type { Viewer } from '../schema/context.ts';
import { planExport, selectOperation } from './plan.ts';
import type { ExportFormatName } from './export.ts';
import { MAX_LAST_DAYS, type RelativeRangeName } from './ranges.ts';

/** Where a report's file goes: a folder under EXPORT_DIR, a webhook, or e-mail recipients. */
export type Destination = { folder: string } | { webhookUrl: string } | { email: string[] };

/** A report definition as createReport/updateReport receive it. */
export interface ReportInputValue {
  name: string;
  query: string;
  variables?: unknown;
  format: 'CSV' | 'XLSX' | 'JSON';
  range?: RelativeRangeName | null;
  lastDays?: number | null;
  timeZone?: string | null;
  schedule?: string | null;
  destinations?: { folder?: string | null; webhookUrl?: URL | string | null; email?: string[] | null }[] | null;
}

/** A checked definition, ready to store. */
export interface ValidReport {
  name: string;
  query: string;
  variables: Record<string, unknown> | null;
  format: 'CSV' | 'XLSX' | 'JSON';
  range: RelativeRangeName | null;
  lastDays: number | null;
  timeZone: string;
  schedule: string | null;
  destinations: Destination[];
}

const MAX_DESTINATIONS = 20;
const MAX_RECIPIENTS = 50;

/** The next instant after `after` a cron schedule fires, evaluated in `zone`; null when it never fires again. */
export function nextScheduledRun(schedule: string, zone: string, after: Date): Date | null {
  return new Cron(schedule, { timezone: zone, paused: true }).nextRun(after);
}

function checkSchedule(schedule: string, zone: string, now: Date): void {
  const fields = schedule.trim().split(/\s+/);
  // Five fields (minute precision) or a nickname such as @weekly: no per-second schedules.
  if (!(schedule.trim().startsWith('@') || fields.length === 5)) {
    throw badInput(
      `schedule "${schedule}" must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 * * 1" for Mondays at 08:00`,
      { argument: 'input.schedule' },
    );
  }
  let next: Date | null;
  try {
    next = nextScheduledRun(schedule, zone, now);
  } catch (error) {
    throw badInput(`schedule "${schedule}" is not a valid cron expression: ${(error as Error).message}`, { argument: 'input.schedule' });
  }
  if (!next) throw badInput(`schedule "${schedule}" never fires after now`, { argument: 'input.schedule' });
}

/** A folder name under EXPORT_DIR: relative, no `..`, plain characters. */
function checkFolder(folder: string, index: number): string {
  const trimmed = folder.trim().replace(/\/+$/, '');
  const argument = `input.destinations[${index}].folder`;
  if (trimmed === '' || trimmed === '.') return '.';
  if (trimmed.startsWith('/') || trimmed.split('/').some((part) => part === '..' || part === '') || !/^[\w .\-/]{1,200}$/.test(trimmed)) {
    throw badInput(
      `${argument}: "${folder}" must be a relative folder inside EXPORT_DIR (letters, digits, space, . _ - /; no "..")`,
      { argument },
    );
  }
  return trimmed;
}

function checkDestinations(input: ReportInputValue['destinations']): Destination[] {
  const list = input ?? [];
  if (list.length > MAX_DESTINATIONS) throw badInput(`a report has at most ${MAX_DESTINATIONS} destinations`, { argument: 'input.destinations' });
  return list.map((d, index): Destination => {
    const argument = `input.destinations[${index}]`;
    const given = [d.folder, d.webhookUrl, d.email].filter((v) => v !== null && v !== undefined);
    if (given.length !== 1) {
      throw badInput(`${argument} must set exactly one of folder, webhookUrl or email`, { argument });
    }
    if (d.folder !== null && d.folder !== undefined) return { folder: checkFolder(d.folder, index) };
    if (d.webhookUrl !== null && d.webhookUrl !== undefined) {
      const url = new URL(String(d.webhookUrl));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw badInput(`${argument}.webhookUrl must be an http or https URL`, { argument: `${argument}.webhookUrl` });
      }
      return { webhookUrl: url.toString() };
    }
    const email = d.email ?? [];
    if (email.length === 0 || email.length > MAX_RECIPIENTS) {
      throw badInput(`${argument}.email needs 1 to ${MAX_RECIPIENTS} addresses`, { argument: `${argument}.email` });
    }
    return { email: [...new Set(email)] };
  });
}

function checkQuery(schema: GraphQLSchema, input: ReportInputValue, variables: Record<string, unknown>): DocumentNode {
  let document: DocumentNode;
  try {
    document = parse(input.query);
  } catch (error) {
    throw badInput(`input.query: ${(error as Error).message}`, { argument: 'input.query' });
  }
  const errors = validate(schema, document, specifiedRules);
  if (errors.length > 0) throw badInput(`input.query: ${errors[0].message}`, { argument: 'input.query' });
  const operation = selectOperation(document, null);
  planExport(schema, document, null, variables, { allowSeveralTables: input.format === 'XLSX' });
  const declared = new Map((operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v]));
  if (input.range && !declared.has('range')) {
    throw badInput('input.range is set but the query declares no $range variable: add ($range: DateTimeRange!) and use it', {
      argument: 'input.query',
    });
  }
  for (const [name, definition] of declared) {
    const supplied = name in variables || (name === 'range' && input.range) || name === 'timeZone';
    if (definition.type.kind === Kind.NON_NULL_TYPE && !supplied && !definition.defaultValue) {
      throw badInput(`the query needs $${name}: give it in input.variables${name === 'range' ? ' or set input.range' : ''}`, {
        argument: 'input.variables',
      });
    }
  }
  return document;
}

/**
 * Checks a report definition completely before it is stored: the query parses,
 * validates, is one query operation that flattens to a table in the chosen format and
 * receives every variable it needs; the zone, schedule, range and destinations are usable.
 */
export function validateReportInput(schema: GraphQLSchema, input: ReportInputValue, now: Date): ValidReport {
  const name = input.name?.trim() ?? '';
  if (name === '' || name.length > 200) throw badInput('input.name must be 1 to 200 characters', { argument: 'input.name' });
  const timeZone = input.timeZone ?? 'UTC';
  if (!IANAZone.isValidZone(timeZone)) throw badInput(`input.timeZone "${timeZone}" is not an IANA time zone`, { argument: 'input.timeZone' });
  const raw = input.variables ?? null;
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw badInput('input.variables must be a JSON object of variable values', { argument: 'input.variables' });
  }
  const variables = (raw ?? {}) as Record<string, unknown>;
  const range = input.range ?? null;
  let lastDays: number | null = null;
  if (range === 'LAST_N_DAYS') {
    if (!Number.isInteger(input.lastDays) || (input.lastDays as number) < 1 || (input.lastDays as number) > MAX_LAST_DAYS) {
      throw badInput(`range LAST_N_DAYS needs lastDays, a whole number of days from 1 to ${MAX_LAST_DAYS}`, { argument: 'input.lastDays' });
    }
    lastDays = input.lastDays as number;
  } else if (input.lastDays !== null && input.lastDays !== undefined) {
    throw badInput('input.lastDays goes with range LAST_N_DAYS only', { argument: 'input.lastDays' });
  }
  checkQuery(schema, input, variables);
  const schedule = input.schedule?.trim() || null;
  if (schedule) checkSchedule(schedule, timeZone, now);
  return {
    name,
    query: input.query,
    variables: raw === null ? null : variables,
    format: input.format,
    range,
    lastDays,
    timeZone,
    schedule,
    destinations: checkDestinations(input.destinations),
  };
}

/** Reads the destinations stored on a report. */
export function storedDestinations(report: Pick<Report, 'destinations'>): Destination[] {
  return Array.isArray(report.destinations) ? (report.destinations as unknown as Destination[]) : [];
}

/** The format of a report as a file format name. */
export function reportFormat(report: Pick<Report, 'format'>): ExportFormatName {
  return report.format.toLowerCase() as ExportFormatName;
}

/** Refuses roles that may not use reports (ingestion tokens only write data). */
export function requireReportAccess(viewer: Viewer): void {
  if (viewer.role === 'INGEST') throw userError('FORBIDDEN', 'reports need a role that may read data (ADMIN, ANALYST or TEAM_LEAD)');
}

/**
 * Reports a viewer may see and manage: an unrestricted viewer every report; a viewer
 * limited to teams the reports saved with exactly those teams (a report never shows
 * more than its owner could see, and never more than the viewer can).
 */
export function reportWhere(viewer: Viewer): Prisma.ReportWhereInput {
  if (viewer.teamIds === null) return {};
  return { ownerAllTeams: false, ownerTeamIds: { equals: [...viewer.teamIds].sort((a, b) => a - b) } };
}

/** The owner columns of a new report: the creating viewer's role and team scope. */
export function ownerOf(viewer: Viewer): Pick<Report, 'ownerRole' | 'ownerAllTeams' | 'ownerTeamIds' | 'ownerTokenId'> {
  return {
    ownerRole: viewer.role,
    ownerAllTeams: viewer.teamIds === null,
    ownerTeamIds: viewer.teamIds === null ? [] : [...viewer.teamIds].sort((a, b) => a - b),
    ownerTokenId: viewer.tokenId,
  };
}

/** The viewer a saved report runs as: its owner's role and team scope at the time it was saved. */
export function reportViewer(report: Pick<Report, 'name' | 'ownerRole' | 'ownerAllTeams' | 'ownerTeamIds' | 'ownerTokenId'>): Viewer {
  const role = (['ADMIN', 'ANALYST', 'TEAM_LEAD', 'INGEST'] as const).find((r) => r === report.ownerRole) ?? 'TEAM_LEAD';
  return {
    role,
    teamIds: report.ownerAllTeams ? null : report.ownerTeamIds,
    tokenName: `report: ${report.name}`,
    tokenId: report.ownerTokenId,
  };
}

/** The path of a report's link, `/reports/<id>.<format>`. */
export function reportPath(report: Pick<Report, 'id' | 'format'>, format: ExportFormatName = reportFormat(report)): string {
  return `/reports/${report.id}.${format}`;
}
