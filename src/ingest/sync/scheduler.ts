import type { Database } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { claimDueConnections } from './connections.ts';
import type { SyncSummary } from './runner.ts';

// Runs stored connections on their intervals inside the server. A pass claims the due
// connections with a lease (FOR UPDATE SKIP LOCKED), so several server processes never
// run one twice at a time, and a sync whose process died is picked up again once its
// lease expired; it resumes after its last committed page. Logs carry the connection's
// name and counts, never its credentials.

/** Runs one stored connection by id (src/ingest/sync/stored.ts in the server). */
export type RunConnection = (id: number, signal: AbortSignal) => Promise<SyncSummary>;

/** What the scheduler needs. */
export interface SyncSchedulerDeps {
  db: Database;
  run: RunConnection;
  pollSeconds: number;
  /** Lease of a claimed connection, in minutes (default 60); a longer sync may be claimed again by another process. */
  leaseMinutes?: number;
  logger?: Logger;
}

/** The server's sync scheduler. */
export class SyncScheduler {
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<void> | null = null;
  private stopped = false;
  private abort = new AbortController();

  constructor(private readonly deps: SyncSchedulerDeps) {}

  /** Starts polling. */
  start(): void {
    this.stopped = false;
    this.abort = new AbortController();
    const tick = () => {
      if (this.stopped) return;
      this.current = this.pass()
        .then(() => undefined, (error: unknown) => this.deps.logger?.error({ error: error instanceof Error ? error.message : String(error) }, 'sync pass failed'))
        .finally(() => {
        this.current = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.deps.pollSeconds * 1000);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** One pass: runs every due connection, one after another. Returns how many ran. */
  async pass(): Promise<number> {
    const due = await claimDueConnections(this.deps.db, this.deps.leaseMinutes ?? 60);
    for (const connection of due) {
      if (this.stopped) break;
      try {
        const summary = await this.deps.run(connection.id, this.abort.signal);
        this.deps.logger?.info({ connection: connection.name, ...summary }, 'sync finished');
      } catch (error) {
        // The runner recorded the error on the connection; the next interval retries.
        this.deps.logger?.warn({ connection: connection.name, error: error instanceof Error ? error.message : String(error) }, 'sync failed');
      }
    }
    return due.length;
  }

  /** Stops polling, ends a running sync after its current page, and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.current;
  }
}
