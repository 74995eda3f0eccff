import { expect } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import type { GqlClient } from '../helpers/graphql.ts';

// Hand-built tickets, written through ingestion with their events (so the facts hook and
// the SLA hook run). One SLA policy: NORMAL, 24/7, first response 60 min, resolution 24 h.
// Agents ada and bo. The range is Berlin's 28, 29 (23 h, DST) and 30 March 2026:
// D1 = [27T23:00Z, 28T23:00Z), D2 = [28T23:00Z, 29T22:00Z), D3 = [29T22:00Z, 30T22:00Z).
//
// R1 NORMAL, assigned ada, on hold twice, solved, reopened, solved again, then REASSIGNED
//    to bo after the solve (current assignee bo; solver ada):
//    28T08:00 created + assigned ada; 08:30 ada replies (first response 1800 s);
//    08:40 ON_HOLD; 09:40 OPEN; 10:00 customer; 10:20 ada replies (next reply 1200 s);
//    10:30 ON_HOLD; 11:00 OPEN; 11:30 solve (first solve: 12600 s);
//    29T09:00 reopen + customer; 10:00 ada replies (after reopen 3600 s, next reply 3600 s);
//    12:00 solve (resolution due 29T08:00: breached by 14400 s); 12:05 survey; 13:00 assigned bo.
//    Requester wait: NEW 2400 + ON_HOLD 3600 + OPEN 3000 + ON_HOLD 1800 + OPEN 1800 + OPEN 10800 = 23400 s;
//    on hold 3600 + 1800 = 5400 s.
// R2 NORMAL, bo: 29T00:30 created + assigned; 01:30 bo replies (3600 s, first-response SLA met
//    exactly at its deadline); 02:00 solve (wait 5400 s, hold 0); 02:05 survey, CSAT at 03:00.
// R3 NORMAL, unassigned, open, created 25T10:00 (both deadlines passed before the range).
// R4 HIGH (no policy), ada: 28T20:00 created + assigned; 20:10 reply (600 s); 21:00 escalated; open.
// R5 NORMAL, unassigned, new: 30T21:20 created; first response due 22:20 (within an hour of D3's end).
export const R = { from: '2026-03-27T23:00:00Z', to: '2026-03-30T22:00:00Z' };
export const TZ = 'Europe/Berlin';

type Ev = [type: string, at: string, agent?: string | null, extra?: Record<string, unknown>];
const ev = ([type, at, agent, extra]: Ev) => ({ type, occurredAt: at, agentExternalId: agent ?? null, ...extra });
const ticket = (externalId: string, priority: string, status: string, assignee: string | null, createdAt: string, events: Ev[]) => ({
  externalId, channel: 'EMAIL', priority, status, assigneeExternalId: assignee, teamExternalId: 't1', createdAt, events: events.map(ev),
});
const hold = { status: 'ON_HOLD' };
const open = { status: 'OPEN' };
export const TICKETS = [
  ticket('R1', 'NORMAL', 'SOLVED', 'bo', '2026-03-28T08:00:00Z', [
    ['CREATED', '2026-03-28T08:00:00Z'], ['ASSIGNMENT', '2026-03-28T08:00:00Z', 'ada'], ['AGENT_REPLY', '2026-03-28T08:30:00Z', 'ada'],
    ['STATUS_CHANGE', '2026-03-28T08:40:00Z', 'ada', hold], ['STATUS_CHANGE', '2026-03-28T09:40:00Z', 'ada', open],
    ['CUSTOMER_REPLY', '2026-03-28T10:00:00Z'], ['AGENT_REPLY', '2026-03-28T10:20:00Z', 'ada'],
    ['STATUS_CHANGE', '2026-03-28T10:30:00Z', 'ada', hold], ['STATUS_CHANGE', '2026-03-28T11:00:00Z', 'ada', open],
    ['SOLVE', '2026-03-28T11:30:00Z', 'ada'], ['REOPEN', '2026-03-29T09:00:00Z'], ['CUSTOMER_REPLY', '2026-03-29T09:00:00Z'],
    ['AGENT_REPLY', '2026-03-29T10:00:00Z', 'ada'], ['SOLVE', '2026-03-29T12:00:00Z', 'ada'], ['SURVEY_SENT', '2026-03-29T12:05:00Z'],
    ['ASSIGNMENT', '2026-03-29T13:00:00Z', 'bo'],
  ]),
  ticket('R2', 'NORMAL', 'SOLVED', 'bo', '2026-03-29T00:30:00Z', [
    ['CREATED', '2026-03-29T00:30:00Z'], ['ASSIGNMENT', '2026-03-29T00:30:00Z', 'bo'], ['AGENT_REPLY', '2026-03-29T01:30:00Z', 'bo'],
    ['SOLVE', '2026-03-29T02:00:00Z', 'bo'], ['SURVEY_SENT', '2026-03-29T02:05:00Z'],
  ]),
  ticket('R3', 'NORMAL', 'OPEN', null, '2026-03-25T10:00:00Z', [['CREATED', '2026-03-25T10:00:00Z']]),
  ticket('R4', 'HIGH', 'OPEN', 'ada', '2026-03-28T20:00:00Z', [
    ['CREATED', '2026-03-28T20:00:00Z'], ['ASSIGNMENT', '2026-03-28T20:00:00Z', 'ada'], ['AGENT_REPLY', '2026-03-28T20:10:00Z', 'ada'],
    ['ESCALATION', '2026-03-28T21:00:00Z', 'ada'],
  ]),
  ticket('R5', 'NORMAL', 'NEW', null, '2026-03-30T21:20:00Z', [['CREATED', '2026-03-30T21:20:00Z']]),
];

/**
 * Writes the hand-built history above through the GraphQL ingestion mutations (so the
 * facts and SLA hooks run): the NORMAL policy, team t1, agents ada and bo, R1-R5 and
 * R2's CSAT 5 at 29T03:00. Returns the agents' ids.
 */
export async function seedNewMetricsFixture(db: Database, client: GqlClient): Promise<{ ada: number; bo: number }> {
  const ok = async (document: string, variables: Record<string, unknown>) => {
    const result = await client.query(document, variables);
    expect(result.errors).toBeUndefined();
    return result.data;
  };
  await db.prisma.slaPolicy.create({
    data: { externalId: 'normal', name: 'Normal', priorities: ['NORMAL'], firstResponseMinutes: 60, resolutionMinutes: 24 * 60 },
  });
  const upsert = (name: string, type: string) => `mutation($input: [${type}!]!) { ${name}(input: $input) { created } }`;
  await ok(upsert('upsertTeams', 'TeamInput'), { input: [{ externalId: 't1', name: 'Support' }] });
  await ok(upsert('upsertAgents', 'AgentInput'), {
    input: [{ externalId: 'ada', name: 'Ada', teamExternalId: 't1' }, { externalId: 'bo', name: 'Bo', teamExternalId: 't1' }],
  });
  const written = await ok(upsert('upsertTickets', 'TicketInput'), { input: TICKETS });
  expect(written.upsertTickets.created).toBe(5);
  await ok(upsert('upsertFeedback', 'FeedbackInput'), {
    input: [{ externalId: 'F1', kind: 'CSAT', score: 5, createdAt: '2026-03-29T03:00:00Z', ticketExternalId: 'R2' }],
  });
  const ada = (await db.prisma.agent.findUniqueOrThrow({ where: { externalId: 'ada' } })).id;
  const bo = (await db.prisma.agent.findUniqueOrThrow({ where: { externalId: 'bo' } })).id;
  return { ada, bo };
}
