import type { Database } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { buildSchema } from '../schema/index.ts';
import { nextScheduledRun, reportPath, validateReportInput, type ReportInputValue } from './reports.ts';
import { newReportToken } from './tokens.ts';

/** The example reports the demo data ships with. */
export const EXAMPLE_REPORTS: ReportInputValue[] = [
  {
    name: 'Weekly team KPIs',
    query: `query WeeklyTeamKpis($range: DateTimeRange!, $timeZone: TimeZone) {
  breakdown(by: [TEAM], range: $range, timeZone: $timeZone, exact: true) {
    key { team { name } }
    metrics {
      ticketsCreated
      ticketsSolved
      backlog
      firstResponseTime { median p90 }
      resolutionTime { median p90 }
      reopenRate
      oneTouchRate
      sla { firstResponse { attainment } resolution { attainment } }
      csat { score responses }
    }
  }
}`,
    format: 'XLSX',
    range: 'LAST_WEEK',
    timeZone: 'Europe/Berlin',
    schedule: '0 8 * * 1',
    destinations: [{ folder: 'examples' }],
  },
  {
    name: 'Monthly CSAT by category',
    query: `query MonthlyCsatByCategory($range: DateTimeRange!, $timeZone: TimeZone) {
  breakdown(by: [CATEGORY], range: $range, timeZone: $timeZone, orderBy: { metric: CSAT_SCORE, direction: DESC }) {
    key { category { name } }
    metrics { csat { score average responses } ticketsCreated }
  }
}`,
    format: 'CSV',
    range: 'LAST_MONTH',
    timeZone: 'Europe/Berlin',
    schedule: '0 7 1 * *',
    destinations: [{ folder: 'examples' }],
  },
];

/** A report created by `createExampleReports`, with its link (the token is shown this once). */
export interface CreatedExampleReport {
  id: number;
  name: string;
  /** `/reports/<id>.<format>?token=…`, relative to the server's base URL. */
  link: string;
}

/**
 * Saves the demo's example reports (weekly team KPIs every Monday 08:00 Berlin time as
 * XLSX, monthly CSAT by category on the 1st as CSV, both into EXPORT_DIR/examples),
 * owned by an unrestricted admin. Reports whose name already exists are left alone,
 * so calling it twice creates nothing the second time.
 */
export async function createExampleReports(db: Database, now: Date = new Date()): Promise<CreatedExampleReport[]> {
  const schema = buildSchema();
  const created: CreatedExampleReport[] = [];
  for (const input of EXAMPLE_REPORTS) {
    if (await db.prisma.report.findFirst({ where: { name: input.name }, select: { id: true } })) continue;
    const valid = validateReportInput(schema, input, now);
    const { token, hash } = newReportToken();
    const report = await db.prisma.report.create({
      data: {
        name: valid.name,
        query: valid.query,
        format: valid.format,
        range: valid.range,
        lastDays: valid.lastDays,
        timeZone: valid.timeZone,
        schedule: valid.schedule,
        destinations: valid.destinations as unknown as Prisma.InputJsonValue,
        nextRunAt: valid.schedule ? nextScheduledRun(valid.schedule, valid.timeZone, now) : null,
        tokenHash: hash,
        ownerRole: 'ADMIN',
        ownerAllTeams: true,
      },
    });
    created.push({ id: report.id, name: report.name, link: `${reportPath(report)}?token=${token}` });
  }
  return created;
}
