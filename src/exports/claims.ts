import type { SqlDriver } from '../db/client.ts';

/** Tables holding leased work: a `status` (PENDING, RUNNING, …), `leaseUntil`, `claims` and `startedAt`. */
export type LeasedTable = 'ReportRun' | 'AlertEvent';

/**
 * Claims one pending row of a leased table, or one whose RUNNING lease expired (its
 * process died): locks it FOR UPDATE SKIP LOCKED, so two processes never take the same
 * row, marks it RUNNING with a fresh lease and counts the claim. Every later write of
 * the work is fenced by that claim number. Returns the row id and claim, or null.
 */
export async function claimLeased(
  driver: Pick<SqlDriver, 'transaction'>,
  table: LeasedTable,
  now: Date,
  leaseMs: number,
): Promise<{ id: number; claim: number } | null> {
  // The table name comes from the LeasedTable whitelist above, never from input.
  const name = `"${table}"`;
  return driver.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `SELECT "id" FROM ${name}
        WHERE "status" = 'PENDING' OR ("status" = 'RUNNING' AND "leaseUntil" < $1::timestamptz)
        ORDER BY "id" LIMIT 1
        FOR UPDATE SKIP LOCKED`,
      [now.toISOString()],
    );
    if (!row) return null;
    const [claimed] = await tx.query<{ claims: number }>(
      `UPDATE ${name}
          SET "status" = 'RUNNING', "leaseUntil" = $2::timestamptz,
              "startedAt" = COALESCE("startedAt", $3::timestamptz), "claims" = "claims" + 1
        WHERE "id" = $1 RETURNING "claims"`,
      [row.id, new Date(now.getTime() + leaseMs).toISOString(), now.toISOString()],
    );
    return { id: row.id, claim: claimed.claims };
  });
}
