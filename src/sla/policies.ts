import type { Channel, Priority } from '../generated/prisma/enums.ts';
import { badInput } from '../errors.ts';
import { MAX_TARGET_MINUTES } from './business-hours.ts';

/** Which tickets a policy covers. */
export interface PolicyCoverage {
  externalId: string;
  name?: string;
  priorities: Priority[];
  /** Empty: every channel. */
  channels: Channel[];
}

/**
 * The policy that covers a ticket: one listing its priority and naming its channel
 * beats one listing its priority with no channels (every channel). Overlapping
 * policies of equal specificity are rejected on upsert (`policyConflicts`), so at most
 * one candidate remains; should two exist anyway, the smaller id wins (the SQL does the same).
 */
export function matchPolicy<P extends PolicyCoverage & { id: number }>(policies: P[], priority: Priority, channel: Channel): P | null {
  let best: P | null = null;
  let bestSpecific = false;
  for (const p of policies) {
    if (!p.priorities.includes(priority)) continue;
    const specific = p.channels.length > 0;
    if (specific && !p.channels.includes(channel)) continue;
    if (best === null || (specific && !bestSpecific) || (specific === bestSpecific && p.id < best.id)) {
      best = p;
      bestSpecific = specific;
    }
  }
  return best;
}

/** A policy that would cover the same tickets as the candidate with the same specificity. */
export interface PolicyConflict {
  externalId: string;
  name: string | null;
  priorities: Priority[];
  channels: Channel[];
}

/**
 * The existing policies (other than the candidate itself) that would tie with the
 * candidate for some priority and channel: both without channels and sharing a
 * priority, or both naming channels and sharing a priority and a channel.
 */
export function policyConflicts(candidate: PolicyCoverage, others: PolicyCoverage[]): PolicyConflict[] {
  return others
    .filter((o) => o.externalId !== candidate.externalId)
    .filter((o) => {
      if (!o.priorities.some((p) => candidate.priorities.includes(p))) return false;
      const a = candidate.channels.length > 0;
      const b = o.channels.length > 0;
      if (a !== b) return false;
      return !a || o.channels.some((c) => candidate.channels.includes(c));
    })
    .map((o) => ({ externalId: o.externalId, name: o.name ?? null, priorities: o.priorities, channels: o.channels }));
}

/** The fields of SlaPolicyInput. */
export interface SlaPolicyInputValue {
  externalId: string;
  name: string;
  priorities: Priority[];
  channels?: Channel[] | null;
  calendarExternalId?: string | null;
  firstResponseMinutes?: number | null;
  resolutionMinutes?: number | null;
}

/**
 * Checks a policy input on its own (not against other policies) and returns it with
 * duplicates removed; BAD_USER_INPUT listing every problem otherwise.
 */
export function validatePolicyInput(input: SlaPolicyInputValue, argument = 'input'): SlaPolicyInputValue & { channels: Channel[] } {
  const problems: { field: string; message: string }[] = [];
  if (input.externalId.trim() === '') problems.push({ field: 'externalId', message: 'externalId must not be empty' });
  if (input.name.trim() === '') problems.push({ field: 'name', message: 'name must not be empty' });
  if (input.priorities.length === 0) {
    problems.push({ field: 'priorities', message: 'priorities must list at least one priority the policy covers' });
  }
  for (const key of ['firstResponseMinutes', 'resolutionMinutes'] as const) {
    const v = input[key];
    if (v != null && (!Number.isInteger(v) || v < 1 || v > MAX_TARGET_MINUTES)) {
      problems.push({
        field: key,
        message: `${key} must be a whole number of minutes from 1 to ${MAX_TARGET_MINUTES} (ten years), got ${v}; omit it for no target`,
      });
    }
  }
  if (problems.length > 0) {
    throw badInput(`${argument}.${problems[0].message}`, {
      argument,
      errors: problems.map((p) => ({ field: `${argument}.${p.field}`, message: p.message })),
    });
  }
  return {
    ...input,
    priorities: [...new Set(input.priorities)],
    channels: [...new Set(input.channels ?? [])],
  };
}

/** BAD_USER_INPUT naming the policies a candidate would tie with. */
export function conflictError(candidate: PolicyCoverage, conflicts: PolicyConflict[], argument = 'input'): Error {
  const first = conflicts[0];
  const shared = first.priorities.filter((p) => candidate.priorities.includes(p));
  const channels = candidate.channels.length > 0 ? first.channels.filter((c) => candidate.channels.includes(c)) : [];
  const scope = channels.length > 0 ? `priority ${shared.join(', ')} on channel ${channels.join(', ')}` : `priority ${shared.join(', ')} on every channel`;
  return badInput(
    `${argument}: SLA policy "${candidate.externalId}" would cover the same tickets as "${first.externalId}" (${scope}); ` +
      'a ticket may match only one policy: change the priorities, name different channels, or edit the other policy first',
    { argument: `${argument}.priorities`, conflicts },
  );
}
