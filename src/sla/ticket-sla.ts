import { addBusinessMinutes, storedBusinessSeconds, type BusinessCalendarSpec } from './business-hours.ts';

/** Where an SLA target stands. */
export type SlaStatusValue = 'ACHIEVED' | 'BREACHED' | 'PENDING';

/** The ticket timestamps SLA values depend on. */
export interface TicketTimes {
  createdAt: Date;
  firstResponseAt: Date | null;
  solvedAt: Date | null;
}

/** A policy's targets with its calendar (null: calendar time, 24/7). */
export interface SlaTargets {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  calendar: BusinessCalendarSpec | null;
}

/** The SLA columns stored on a ticket. */
export interface TicketSlaValues {
  firstResponseDueAt: Date | null;
  firstResponseSlaStatus: SlaStatusValue | null;
  resolutionDueAt: Date | null;
  resolutionSlaStatus: SlaStatusValue | null;
  firstResponseBusinessSeconds: number | null;
  resolutionBusinessSeconds: number | null;
}

/**
 * A target's status: ACHIEVED when fulfilled by the deadline, BREACHED when fulfilled
 * after it or when it passed unfulfilled (at `due <= now`), else PENDING; null without a deadline.
 */
export function slaStatus(due: Date | null, fulfilledAt: Date | null, now: Date): SlaStatusValue | null {
  if (due === null) return null;
  if (fulfilledAt !== null) return fulfilledAt.getTime() <= due.getTime() ? 'ACHIEVED' : 'BREACHED';
  return due.getTime() <= now.getTime() ? 'BREACHED' : 'PENDING';
}

/** A stored status read at `now`: a PENDING target whose deadline has passed reads BREACHED. */
export function statusAsOf(stored: SlaStatusValue | null, due: Date | null, now: Date): SlaStatusValue | null {
  if (stored === 'PENDING' && due !== null && due.getTime() <= now.getTime()) return 'BREACHED';
  return stored;
}

/** When the first-response target is fulfilled: the first reply, or a solve without any reply. */
export function firstResponseFulfilledAt(ticket: TicketTimes): Date | null {
  const { firstResponseAt: r, solvedAt: s } = ticket;
  if (r === null) return s;
  if (s === null) return r;
  return r.getTime() <= s.getTime() ? r : s;
}

/**
 * Every SLA column of one ticket, the reference the SQL recompute is tested against.
 * Business seconds use the policy's calendar, or 24/7 without a policy or calendar.
 */
export function computeTicketSla(ticket: TicketTimes, policy: SlaTargets | null, now: Date): TicketSlaValues {
  const calendar = policy?.calendar ?? null;
  const frDue =
    policy?.firstResponseMinutes != null ? addBusinessMinutes(calendar, ticket.createdAt, policy.firstResponseMinutes) : null;
  const resDue =
    policy?.resolutionMinutes != null ? addBusinessMinutes(calendar, ticket.createdAt, policy.resolutionMinutes) : null;
  return {
    firstResponseDueAt: frDue,
    firstResponseSlaStatus: slaStatus(frDue, firstResponseFulfilledAt(ticket), now),
    resolutionDueAt: resDue,
    resolutionSlaStatus: slaStatus(resDue, ticket.solvedAt, now),
    firstResponseBusinessSeconds:
      ticket.firstResponseAt === null ? null : storedBusinessSeconds(calendar, ticket.createdAt, ticket.firstResponseAt),
    resolutionBusinessSeconds:
      ticket.solvedAt === null ? null : storedBusinessSeconds(calendar, ticket.createdAt, ticket.solvedAt),
  };
}
