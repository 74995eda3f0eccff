import type { Database } from '../db/client.ts';
import { badInput } from '../errors.ts';
import type { Channel, Priority } from '../generated/prisma/enums.ts';
import { validateCalendar, type BusinessCalendarSpec } from './business-hours.ts';
import { conflictError, policyConflicts, validatePolicyInput, type PolicyCoverage, type SlaPolicyInputValue } from './policies.ts';
import { rematerialiseCalendar, recomputeTickets, type RecomputeOptions } from './recompute.ts';

/** The fields of BusinessCalendarInput. */
export interface BusinessCalendarInputValue extends BusinessCalendarSpec {
  externalId: string;
  name: string;
}

/** A stored SLA policy row. */
export interface SlaPolicyRow {
  id: number;
  externalId: string;
  name: string;
  priorities: Priority[];
  channels: Channel[];
  calendarId: number | null;
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  createdAt: Date;
  updatedAt: Date;
}

// Serialises policy edits so two concurrent upserts cannot both pass the overlap check.
const POLICY_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('supportgraph.sla_policies'))`;

const POLICY_COLUMNS = `id, "externalId", name, priorities::text[] AS priorities, channels::text[] AS channels,
  "calendarId", "firstResponseMinutes", "resolutionMinutes", "createdAt", "updatedAt"`;

function textArray(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  const s = String(v ?? '{}');
  return s === '{}' ? [] : s.slice(1, -1).split(',');
}

const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));

function policyRow(r: Record<string, unknown>): SlaPolicyRow {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return {
    id: Number(r.id),
    externalId: String(r.externalId),
    name: String(r.name),
    priorities: textArray(r.priorities) as Priority[],
    channels: textArray(r.channels) as Channel[],
    calendarId: num(r.calendarId),
    firstResponseMinutes: num(r.firstResponseMinutes),
    resolutionMinutes: num(r.resolutionMinutes),
    createdAt: date(r.createdAt),
    updatedAt: date(r.updatedAt),
  };
}

/**
 * Creates or replaces a business calendar (by externalId), rebuilds its open intervals
 * and recomputes the SLA columns of every ticket whose policy uses it, in one
 * transaction. Returns the calendar id and how many tickets were recomputed.
 */
export async function upsertBusinessCalendar(
  db: Database,
  input: BusinessCalendarInputValue,
  options: RecomputeOptions = {},
): Promise<{ calendarId: number; ticketsRecomputed: number }> {
  if (input.externalId.trim() === '') throw badInput('input.externalId must not be empty', { argument: 'input.externalId' });
  if (input.name.trim() === '') throw badInput('input.name must not be empty', { argument: 'input.name' });
  const spec = validateCalendar(input, 'input');
  return db.driver.transaction(async (tx) => {
    const [row] = await tx.query<{ id: unknown }>(
      `INSERT INTO "BusinessCalendar" ("externalId", name, "timeZone", hours, holidays, "updatedAt")
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, now())
       ON CONFLICT ("externalId") DO UPDATE
         SET name = EXCLUDED.name, "timeZone" = EXCLUDED."timeZone", hours = EXCLUDED.hours,
             holidays = EXCLUDED.holidays, "updatedAt" = now()
       RETURNING id`,
      [input.externalId, input.name, spec.timeZone, JSON.stringify(spec.hours), JSON.stringify(spec.holidays ?? [])],
    );
    const calendarId = Number(row.id);
    await rematerialiseCalendar(tx, calendarId);
    const result = await recomputeTickets(tx, { kind: 'calendar', calendarId }, options);
    return { calendarId, ticketsRecomputed: result.recomputed };
  });
}

/**
 * Creates or replaces an SLA policy (by externalId) and recomputes the tickets it
 * covers or covered, in one transaction. A policy that would tie with another for some
 * priority and channel is rejected (BAD_USER_INPUT naming the other policy).
 */
export async function upsertSlaPolicy(
  db: Database,
  raw: SlaPolicyInputValue,
  options: RecomputeOptions = {},
): Promise<{ policy: SlaPolicyRow; ticketsRecomputed: number }> {
  const input = validatePolicyInput(raw, 'input');
  return db.driver.transaction(async (tx) => {
    let calendarId: number | null = null;
    if (input.calendarExternalId != null) {
      const found = await tx.query<{ id: unknown }>(`SELECT id FROM "BusinessCalendar" WHERE "externalId" = $1`, [input.calendarExternalId]);
      if (found.length === 0) {
        throw badInput(
          `input.calendarExternalId: no business calendar "${input.calendarExternalId}"; create it with upsertBusinessCalendar first, or omit it for calendar time (24/7)`,
          { argument: 'input.calendarExternalId' },
        );
      }
      calendarId = Number(found[0].id);
    }
    await tx.query(POLICY_LOCK_SQL);
    const existing = (await tx.query<Record<string, unknown>>(`SELECT ${POLICY_COLUMNS} FROM "SlaPolicy" ORDER BY id`)).map(policyRow);
    const candidate: PolicyCoverage = { externalId: input.externalId, priorities: input.priorities, channels: input.channels };
    const conflicts = policyConflicts(candidate, existing);
    if (conflicts.length > 0) throw conflictError(candidate, conflicts);
    const previous = existing.find((p) => p.externalId === input.externalId);
    const [row] = await tx.query<Record<string, unknown>>(
      `INSERT INTO "SlaPolicy" ("externalId", name, priorities, channels, "calendarId", "firstResponseMinutes", "resolutionMinutes", "updatedAt")
       VALUES ($1, $2, $3::text[]::"Priority"[], $4::text[]::"Channel"[], $5::int, $6::int, $7::int, now())
       ON CONFLICT ("externalId") DO UPDATE
         SET name = EXCLUDED.name, priorities = EXCLUDED.priorities, channels = EXCLUDED.channels,
             "calendarId" = EXCLUDED."calendarId", "firstResponseMinutes" = EXCLUDED."firstResponseMinutes",
             "resolutionMinutes" = EXCLUDED."resolutionMinutes", "updatedAt" = now()
       RETURNING ${POLICY_COLUMNS}`,
      [
        input.externalId,
        input.name,
        input.priorities,
        input.channels,
        calendarId,
        input.firstResponseMinutes ?? null,
        input.resolutionMinutes ?? null,
      ],
    );
    const policy = policyRow(row);
    // recomputeTickets first extends the policy's calendar intervals if they do not cover every ticket.
    const priorities = [...new Set([...policy.priorities, ...(previous?.priorities ?? [])])];
    const result = await recomputeTickets(tx, { kind: 'policy', priorities, policyId: policy.id }, options);
    return { policy, ticketsRecomputed: result.recomputed };
  });
}

/**
 * Deletes an SLA policy and recomputes the tickets it covered (another policy may now
 * cover them). Deleting a policy that does not exist returns null and recomputes nothing.
 */
export async function deleteSlaPolicy(
  db: Database,
  externalId: string,
  options: RecomputeOptions = {},
): Promise<{ policy: SlaPolicyRow | null; ticketsRecomputed: number }> {
  return db.driver.transaction(async (tx) => {
    await tx.query(POLICY_LOCK_SQL);
    const rows = await tx.query<Record<string, unknown>>(`DELETE FROM "SlaPolicy" WHERE "externalId" = $1 RETURNING ${POLICY_COLUMNS}`, [
      externalId,
    ]);
    if (rows.length === 0) return { policy: null, ticketsRecomputed: 0 };
    const policy = policyRow(rows[0]);
    // The foreign key has already cleared slaPolicyId; the priorities find those tickets again.
    const result = await recomputeTickets(tx, { kind: 'policy', priorities: policy.priorities, policyId: null }, options);
    return { policy, ticketsRecomputed: result.recomputed };
  });
}
