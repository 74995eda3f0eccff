import type { Database } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { claimLeased } from './claims.ts';
import { systemClock, type Clock } from './clock.ts';
import type { GraphqlGateway } from './execute.ts';
import { nextScheduledRun } from './reports.ts';
import { ReportRunner } from './runner.ts';
import type { ExportSettings } from '../config.ts';

/** What the scheduler needs: the database, the server to run queries through, settings and a clock. */
export interface SchedulerDeps {
  db: Database;
  gateway: GraphqlGateway;
  settings: ExportSettings;
  clock?: Clock;
  logger?: Logger;
  /** More work run in every pass after the reports (alert evaluation), claimed the same way. */
  jobs?: ScheduledJob[];
}

/** Periodic work the scheduler runs in each pass; it claims its own rows (FOR UPDATE SKIP LOCKED). */
export interface ScheduledJob {
  name: string;
  /** Does whatever is due at `now`; returns how much it did. */
  tick(now: Date): Promise<number>;
}

interface DueReport extends Record<string, unknown> {
  id: number;
  schedule: string | null;
  timeZone: string;
  nextRunAt: Date | string;
}

// Bounds the catch-up walk over missed cron slots after a long downtime.
const MAX_MISSED_SLOTS = 100_000;

/**
 * The latest slot of a schedule at or before `now` (starting from the stored one) and
 * the first slot after `now`. After downtime only the latest missed slot runs: one late
 * report, not one per missed slot.
 */
export function dueSlot(schedule: string, zone: string, stored: Date, now: Date): { slot: Date; next: Date | null } {
  let slot = stored;
  let next = nextScheduledRun(schedule, zone, slot);
  for (let i = 0; next && next.getTime() <= now.getTime() && i < MAX_MISSED_SLOTS; i += 1) {
    slot = next;
    next = nextScheduledRun(schedule, zone, slot);
  }
  return { slot, next };
}

/**
 * Runs saved reports on their cron schedules inside the server. The next run time is
 * kept on the report; a pass turns due slots into PENDING runs (a report row is locked
 * with FOR UPDATE SKIP LOCKED, and a run per report and slot is unique), then claims
 * runs one at a time (FOR UPDATE SKIP LOCKED again) with a lease. So several server
 * processes never run a slot twice, and a run whose process died is resumed by
 * another once its lease has expired, skipping the destinations it already reached.
 */
export class ReportScheduler {
  readonly runner: ReportRunner;
  private readonly clock: Clock;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> | null = null;
  private stopped = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.runner = new ReportRunner({ ...deps, clock: this.clock });
  }

  /** Turns every due schedule slot into a PENDING run and moves the report's nextRunAt on; returns the runs created. */
  async enqueueDue(now: Date = this.clock.now()): Promise<number> {
    return this.deps.db.driver.transaction(async (tx) => {
      const due = await tx.query<DueReport>(
        `SELECT "id", "schedule", "timeZone", "nextRunAt" FROM "Report"
          WHERE "nextRunAt" <= $1::timestamptz
          ORDER BY "nextRunAt", "id" LIMIT 100
          FOR UPDATE SKIP LOCKED`,
        [now.toISOString()],
      );
      let created = 0;
      for (const report of due) {
        if (!report.schedule) {
          await tx.query(`UPDATE "Report" SET "nextRunAt" = NULL WHERE "id" = $1`, [report.id]);
          continue;
        }
        const { slot, next } = dueSlot(report.schedule, report.timeZone, new Date(report.nextRunAt), now);
        const inserted = await tx.query(
          `INSERT INTO "ReportRun" ("reportId", "trigger", "scheduledFor", "status", "createdAt")
           VALUES ($1, 'SCHEDULE', $2::timestamptz, 'PENDING', $3::timestamptz)
           ON CONFLICT ("reportId", "scheduledFor") DO NOTHING RETURNING "id"`,
          [report.id, slot.toISOString(), now.toISOString()],
        );
        created += inserted.length;
        await tx.query(`UPDATE "Report" SET "nextRunAt" = $2::timestamptz WHERE "id" = $1`, [report.id, next?.toISOString() ?? null]);
      }
      return created;
    });
  }

  /** Claims one pending run, or one whose lease expired; returns its id and claim number. */
  async claimNext(now: Date = this.clock.now()): Promise<{ runId: number; claim: number } | null> {
    const claimed = await claimLeased(this.deps.db.driver, 'ReportRun', now, this.deps.settings.leaseMs);
    return claimed ? { runId: claimed.id, claim: claimed.claim } : null;
  }

  /** One pass: enqueue due slots, then run claimed runs until none is left; returns the runs executed. */
  async tick(): Promise<number> {
    await this.enqueueDue();
    let executed = 0;
    while (!this.stopped) {
      const claimed = await this.claimNext();
      if (!claimed) break;
      await this.runner.execute(claimed.runId, claimed.claim);
      executed += 1;
    }
    // The other periodic work (alert rules) shares the pass, its timer and its stop.
    for (const job of this.deps.jobs ?? []) {
      if (this.stopped) break;
      try {
        await job.tick(this.clock.now());
      } catch (error) {
        this.deps.logger?.error({ job: job.name, error: error instanceof Error ? error.message : String(error) }, 'scheduled job failed');
      }
    }
    return executed;
  }

  /** Starts polling every `settings.pollSeconds`, the first pass right away. */
  start(): void {
    if (this.timer || this.current) return;
    this.stopped = false;
    const loop = async (): Promise<void> => {
      this.timer = null;
      this.current = this.tick().catch((error: unknown) => {
        this.deps.logger?.error({ error: error instanceof Error ? error.message : String(error) }, 'report scheduler pass failed');
      });
      await this.current;
      this.current = null;
      if (!this.stopped) {
        this.timer = setTimeout(() => void loop(), this.deps.settings.pollSeconds * 1000);
        this.timer.unref();
      }
    };
    void loop();
  }

  /** Stops polling and waits for the run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.current;
  }
}
