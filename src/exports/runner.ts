import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DateTime } from 'luxon';
import type { Database } from '../db/client.ts';
import type { Prisma, Report } from '../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import type { Context } from '../schema/context.ts';
import type { Clock } from './clock.ts';
import { deliver, describeDestination, type DeliveryFile, type DeliveryResult } from './deliveries.ts';
import type { GraphqlGateway } from './execute.ts';
import { FORMATS, openExport, type ExportFile, type ExportFormatName } from './export.ts';
import { resolveRelativeRange, type RelativeRangeName, type ResolvedRange } from './ranges.ts';
import { reportFormat, reportViewer, storedDestinations } from './reports.ts';
import type { ExportSettings } from '../config.ts';

/** What a report run needs from the server. */
export interface RunnerDeps {
  db: Database;
  gateway: GraphqlGateway;
  settings: ExportSettings;
  clock: Clock;
  logger?: Logger;
}

/** The variables a report's query runs with: its own, plus `$range` and `$timeZone`. */
export function reportVariables(report: Pick<Report, 'variables' | 'timeZone'>, range: ResolvedRange | null): Record<string, unknown> {
  const own = report.variables && typeof report.variables === 'object' && !Array.isArray(report.variables) ? (report.variables as Record<string, unknown>) : {};
  return {
    ...own,
    ...(range ? { range: { from: range.from.toISOString(), to: range.to.toISOString() } } : {}),
    timeZone: typeof own.timeZone === 'string' ? own.timeZone : report.timeZone,
  };
}

/** The range a report covers when run at `at`, or null when it has no relative range. */
export function reportRange(report: Pick<Report, 'range' | 'lastDays' | 'timeZone'>, at: Date): ResolvedRange | null {
  return report.range ? resolveRelativeRange(report.range as RelativeRangeName, report.timeZone, at, report.lastDays) : null;
}

/** A range as local dates, inclusive: `2026-03-16 to 2026-03-22`. */
export function rangeLabel(range: ResolvedRange, zone: string): string {
  const from = DateTime.fromJSDate(range.from, { zone }).toFormat('yyyy-MM-dd');
  const to = DateTime.fromJSDate(new Date(range.to.getTime() - 1), { zone }).toFormat('yyyy-MM-dd');
  return from === to ? from : `${from} to ${to}`;
}

/** A file-name friendly version of a report name. */
export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'report'
  );
}

/** The context a saved report's query runs in: the report owner's stored scope. */
export function reportContext(db: Database, report: Report): Context {
  return { db, viewer: reportViewer(report), requestId: randomUUID(), loaders: new Map() };
}

type RunRecord = Prisma.ReportRunGetPayload<{ include: { report: true } }>;

/**
 * Produces a report's file and delivers it. Every write to a run is fenced by the claim
 * number it was started with: a process that lost its claim (it stalled past its lease
 * and another one resumed the run) can no longer change the run or deliver again.
 */
export class ReportRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /** Opens a report's export with its stored scope, for the link and for runs. */
  openReportFile(report: Report, range: ResolvedRange | null, format: ExportFormatName = reportFormat(report)): Promise<ExportFile> {
    return openExport(
      this.deps.gateway,
      { kind: 'context', context: reportContext(this.deps.db, report) },
      { query: report.query, variables: reportVariables(report, range) },
      { format, timeZone: report.timeZone },
    );
  }

  /** Records a manual run of a report, runs it now, and returns its id. */
  async runNow(reportId: number): Promise<number> {
    const now = this.deps.clock.now();
    const run = await this.deps.db.prisma.reportRun.create({
      data: {
        reportId,
        trigger: 'MANUAL',
        status: 'RUNNING',
        createdAt: now,
        startedAt: now,
        leaseUntil: new Date(now.getTime() + this.deps.settings.leaseMs),
        claims: 1,
      },
    });
    await this.execute(run.id, 1);
    return run.id;
  }

  private async fenced(runId: number, claim: number, data: Prisma.ReportRunUpdateManyMutationInput): Promise<boolean> {
    const { count } = await this.deps.db.prisma.reportRun.updateMany({ where: { id: runId, claims: claim, status: 'RUNNING' }, data });
    return count === 1;
  }

  private renewLease(runId: number, claim: number): Promise<boolean> {
    return this.fenced(runId, claim, { leaseUntil: new Date(this.deps.clock.now().getTime() + this.deps.settings.leaseMs) });
  }

  /** Runs a claimed run to its end: export to a temporary file, deliver, record. */
  async execute(runId: number, claim: number): Promise<void> {
    const run = await this.deps.db.prisma.reportRun.findUnique({ where: { id: runId }, include: { report: true } });
    if (!run || run.status !== 'RUNNING' || run.claims !== claim) return;
    const dir = join(tmpdir(), 'supportgraph-exports');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `run-${runId}-${randomBytes(6).toString('hex')}.${FORMATS[reportFormat(run.report)].extension}`);
    try {
      await this.produceAndDeliver(run, claim, temp);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.deps.logger?.warn({ runId, reportId: run.reportId, error: message }, 'report run failed');
      await this.fenced(runId, claim, { status: 'FAILED', error: message, finishedAt: this.deps.clock.now(), leaseUntil: null });
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async produceAndDeliver(run: RunRecord, claim: number, temp: string): Promise<void> {
    const { report } = run;
    const reference = run.scheduledFor ?? run.createdAt;
    // The range is fixed when a run first starts, so a resumed run sends the same period.
    const range: ResolvedRange | null = run.rangeFrom && run.rangeTo ? { from: run.rangeFrom, to: run.rangeTo } : reportRange(report, reference);
    if (range && !run.rangeFrom) {
      if (!(await this.fenced(run.id, claim, { rangeFrom: range.from, rangeTo: range.to }))) return;
    }

    const file = await this.openReportFile(report, range);
    let bytes = 0;
    const counted = Readable.from(
      (async function* () {
        for await (const chunk of file.chunks) {
          bytes += chunk.byteLength;
          yield chunk;
        }
      })(),
    );
    await pipeline(counted, createWriteStream(temp));
    if (!(await this.fenced(run.id, claim, { rows: file.stats.rows, bytes }))) return;

    const stamp = DateTime.fromJSDate(reference, { zone: report.timeZone }).toFormat("yyyy-MM-dd'T'HHmm");
    const delivery: DeliveryFile = {
      path: temp,
      filename: `${slugify(report.name)}-${stamp}-run${run.id}.${file.extension}`,
      contentType: file.contentType,
      bytes,
      rows: file.stats.rows,
      reportId: report.id,
      reportName: report.name,
      runId: run.id,
      rangeLabel: range ? rangeLabel(range, report.timeZone) : null,
    };
    const destinations = storedDestinations(report);
    const previous = Array.isArray(run.deliveries) ? (run.deliveries as unknown as DeliveryResult[]) : [];
    const results: DeliveryResult[] = destinations.map((destination, i) => {
      const described = describeDestination(destination);
      const before = previous[i];
      // A resumed run keeps what was already delivered and sends only the rest.
      return before && before.destination === described.destination
        ? { ...before }
        : { ...described, status: 'PENDING', attempts: 0, detail: null, error: null, deliveredAt: null };
    });
    const save = () => this.fenced(run.id, claim, { deliveries: results as unknown as Prisma.InputJsonValue });
    if (!(await save())) return;

    const delays = this.deps.settings.retryDelaysMs;
    for (const [i, destination] of destinations.entries()) {
      const result = results[i];
      if (result.status === 'DELIVERED') continue;
      for (;;) {
        if (!(await this.renewLease(run.id, claim))) return;
        result.attempts += 1;
        try {
          result.detail = await deliver(destination, delivery, this.deps.settings);
          result.status = 'DELIVERED';
          result.error = null;
          result.deliveredAt = this.deps.clock.now().toISOString();
        } catch (error) {
          result.error = error instanceof Error ? error.message : String(error);
          result.status = result.attempts > delays.length ? 'FAILED' : 'PENDING';
        }
        if (!(await save())) return;
        if (result.status !== 'PENDING') break;
        await this.deps.clock.sleep(delays[result.attempts - 1]);
      }
    }

    const failed = results.filter((r) => r.status === 'FAILED');
    const error =
      failed.length === 0
        ? null
        : `${failed.length} of ${results.length} deliveries failed: ` +
          failed.map((r) => `${r.destination}: ${r.error} (after ${r.attempts} attempts)`).join('; ');
    if (error) this.deps.logger?.warn({ runId: run.id, reportId: report.id, error }, 'report delivery failed');
    await this.fenced(run.id, claim, {
      status: failed.length === 0 ? 'SUCCEEDED' : 'FAILED',
      error,
      finishedAt: this.deps.clock.now(),
      leaseUntil: null,
    });
  }
}
