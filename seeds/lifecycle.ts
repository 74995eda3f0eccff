import { COMMENTS, EXTRA_TAGS, LEAF_CATEGORIES, OUTAGE_CATEGORY, PARENT_CATEGORIES, TEAMS, type Office } from './catalog.ts';
import type { OpenHours } from './calendars.ts';
import type { Arrival, ArrivalPlan } from './arrivals.ts';
import type { Agent, Customer, CustomerPool, Tier } from './people.ts';
import { Random, cumulative } from './random.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Values of the `Channel` enum. */
export type Channel = 'EMAIL' | 'CHAT' | 'PHONE' | 'SOCIAL' | 'WEB' | 'API';
/** Values of the `Priority` enum. */
export type Priority = 'LOW' | 'NORMAL' | 'HIGH' | 'URGENT';
/** Values of the `TicketStatus` enum. */
export type TicketStatus = 'NEW' | 'OPEN' | 'PENDING' | 'ON_HOLD' | 'SOLVED' | 'CLOSED';
/** Values of the `TicketEventType` enum. */
export type EventType =
  | 'CREATED' | 'AGENT_REPLY' | 'CUSTOMER_REPLY' | 'STATUS_CHANGE' | 'ASSIGNMENT' | 'ESCALATION' | 'REOPEN' | 'SOLVE';

/** One step in a ticket's history. `teamId` is bookkeeping for assignments, not stored. */
export interface SimEvent {
  type: EventType;
  ms: number;
  agentId: number | null;
  public: boolean;
  status: TicketStatus | null;
  teamId: number;
}

/** A survey answer about the ticket. */
export interface SimFeedback {
  kind: 'CSAT' | 'NPS' | 'CES';
  score: number;
  comment: string | null;
  ms: number;
}

/** A ticket as of `now`: its row fields, its events up to now, and its survey answers. */
export interface SimTicket {
  subject: string;
  channel: Channel;
  priority: Priority;
  status: TicketStatus;
  categoryId: number;
  teamId: number;
  assigneeId: number | null;
  customerId: number;
  tags: string[];
  createdMs: number;
  firstResponseMs: number | null;
  solvedMs: number | null;
  closedMs: number | null;
  agentReplies: number;
  reopenCount: number;
  escalatedMs: number | null;
  events: SimEvent[];
  feedback: SimFeedback[];
}

/** Everything ticket simulation reads; built once per seeding run. */
export interface SimContext {
  seed: number;
  nowMs: number;
  plan: ArrivalPlan;
  customers: CustomerPool;
  agents: Agent[];
  byTeam: Map<number, Agent[]>;
  hours: Record<Office, OpenHours>;
}

const CHANNELS: Channel[] = ['EMAIL', 'CHAT', 'PHONE', 'SOCIAL', 'WEB', 'API'];
const CHANNEL_WEIGHT: Record<Tier, number[]> = {
  FREE: [33, 30, 3, 9, 22, 3],
  STANDARD: [36, 22, 11, 6, 18, 7],
  PREMIUM: [36, 19, 16, 4, 16, 9],
  ENTERPRISE: [38, 14, 22, 2, 12, 12],
};
const CHANNEL_CUM = Object.fromEntries(
  Object.entries(CHANNEL_WEIGHT).map(([tier, w]) => [tier, cumulative(w)]),
) as Record<Tier, Float64Array>;

/** Median minutes (of open time) to the first public reply, and the spread, per channel. */
const FIRST_REPLY: Record<Channel, [number, number]> = {
  EMAIL: [150, 1.0], CHAT: [1.5, 0.8], PHONE: [0.4, 0.7], SOCIAL: [45, 0.9], WEB: [130, 1.0], API: [200, 1.0],
};
/** Median minutes to later agent replies. */
const NEXT_REPLY: Record<Channel, [number, number]> = {
  EMAIL: [110, 1.0], CHAT: [1.2, 0.6], PHONE: [60, 0.9], SOCIAL: [40, 0.9], WEB: [100, 1.0], API: [150, 1.0],
};
/** Median minutes (calendar) for the customer to answer. */
const CUSTOMER_REPLY: Record<Channel, [number, number]> = {
  EMAIL: [240, 1.1], CHAT: [1.5, 0.6], PHONE: [180, 1.1], SOCIAL: [90, 1.1], WEB: [240, 1.1], API: [300, 1.1],
};
/** Chance that one agent reply solves the ticket. */
const ONE_TOUCH: Record<Channel, number> = { EMAIL: 0.44, CHAT: 0.62, PHONE: 0.68, SOCIAL: 0.55, WEB: 0.46, API: 0.32 };

const PRIORITIES: Priority[] = ['LOW', 'NORMAL', 'HIGH', 'URGENT'];
const PRIORITY_DELAY: Record<Priority, number> = { LOW: 1.5, NORMAL: 1, HIGH: 0.55, URGENT: 0.15 };
const PRIORITY_ESCALATION: Record<Priority, number> = { LOW: 0.7, NORMAL: 1, HIGH: 1.3, URGENT: 1.6 };
const TIER_DELAY: Record<Tier, number> = { FREE: 1.3, STANDARD: 1, PREMIUM: 0.8, ENTERPRISE: 0.6 };
const PRIORITY_CUM = {
  base: cumulative([22, 55, 17, 6]),
  enterprise: cumulative([10, 50, 28, 12]),
  outage: cumulative([0, 10, 50, 40]),
  wish: cumulative([60, 38, 2, 0]),
};

const LEAF_CUM = cumulative(LEAF_CATEGORIES.map((c) => c.weight));
// In the first days of a month invoices go out and billing questions double.
const LEAF_CUM_MONTH_START = cumulative(LEAF_CATEGORIES.map((c) => (c.group === 'BILLING' ? c.weight * 2 : c.weight)));

const TIER2_TEAM = TEAMS.find((t) => t.kind === 'TIER2')?.id ?? 6;
const teamOf = (kind: string, office?: Office): number =>
  TEAMS.find((t) => t.kind === kind && (office === undefined || t.office === office))?.id ?? 1;
const FRONTLINE: Record<Office, number> = { EU: teamOf('FRONTLINE', 'EU'), US: teamOf('FRONTLINE', 'US') };

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** An available agent of a team, preferring those whose office is open right now. */
function pickAgent(ctx: SimContext, teamId: number, ms: number, rng: Random): Agent {
  const team = ctx.byTeam.get(teamId) ?? [];
  const present = team.filter((a) => a.hiredMs <= ms && ms < a.leftMs);
  const pool = present.length > 0 ? present : team;
  const awake = pool.filter((a) => ctx.hours[a.office].isOpen(ms));
  const from = awake.length > 0 && rng.chance(0.9) ? awake : pool;
  // Team leads take fewer tickets of their own.
  const weights = from.map((a) => (a.role === 'Team Lead' ? 0.4 : 1));
  return from[rng.weighted(cumulative(weights))];
}

/** A lead or senior of the team other than `current` (the current agent if there is none). */
function pickSenior(ctx: SimContext, teamId: number, current: Agent, ms: number, rng: Random): Agent {
  const seniors = (ctx.byTeam.get(teamId) ?? [])
    .filter((a) => a.role !== 'Agent' && a.id !== current.id && a.hiredMs <= ms && ms < a.leftMs);
  return seniors.length > 0 ? rng.pick(seniors) : current;
}

function routeTeam(ctx: SimContext, customer: Customer, group: string, ms: number, rng: Random): number {
  // Enterprise accounts reach their success managers, except for technical problems.
  if (customer.tier === 'ENTERPRISE' && group !== 'TECHNICAL' && rng.chance(0.6)) return teamOf('ENTERPRISE');
  if (group === 'BILLING') return teamOf('BILLING');
  if (group === 'TECHNICAL') return teamOf('TECHNICAL');
  const home: Office = customer.region === 'AM' ? 'US' : 'EU';
  const away: Office = home === 'EU' ? 'US' : 'EU';
  // Follow the sun: while home is closed, the other frontline takes most new tickets.
  if (!ctx.hours[home].isOpen(ms) && ctx.hours[away].isOpen(ms) && rng.chance(0.6)) return FRONTLINE[away];
  return FRONTLINE[home];
}

function pickPriority(customer: Customer, leaf: number, rng: Random): Priority {
  if (leaf === OUTAGE_CATEGORY) return PRIORITIES[rng.weighted(PRIORITY_CUM.outage)];
  const group = LEAF_CATEGORIES[leaf].group;
  if (group === 'PRODUCT' && LEAF_CATEGORIES[leaf].externalId !== 'cat-product-howto') {
    return PRIORITIES[rng.weighted(PRIORITY_CUM.wish)];
  }
  return PRIORITIES[rng.weighted(customer.tier === 'ENTERPRISE' ? PRIORITY_CUM.enterprise : PRIORITY_CUM.base)];
}

/**
 * When the first public reply goes out. Async channels wait for open hours; chat is
 * covered by a skeleton crew half the time after hours; phone calls after hours go
 * to voicemail and are called back; urgent tickets are answered around the clock by
 * whoever is on call, more slowly at night.
 */
function firstReplyAt(
  channel: Channel, priority: Priority, open: OpenHours, t0: number, delayMs: number, rng: Random,
): number {
  const isOpen = open.isOpen(t0);
  if (priority === 'URGENT') return t0 + delayMs * (isOpen ? 1 : 2.5);
  switch (channel) {
    case 'CHAT':
      if (isOpen) return t0 + delayMs;
      return rng.chance(0.5) ? t0 + delayMs * 6 : open.addWorkTime(t0, rng.logNormal(60, 0.8) * MINUTE);
    case 'PHONE':
      return isOpen ? t0 + delayMs : open.addWorkTime(t0, rng.logNormal(45, 0.8) * MINUTE);
    case 'SOCIAL':
      return isOpen || !rng.chance(0.6) ? t0 + delayMs * (isOpen ? 1 : 4) : open.addWorkTime(t0, delayMs);
    default:
      return open.addWorkTime(t0, delayMs);
  }
}

/** Simulates one ticket from its arrival to `now`. */
export function simulateTicket(ctx: SimContext, index: number, arrival: Arrival): SimTicket {
  const rng = Random.indexed(ctx.seed, 'ticket', index);
  const t0 = arrival.ms;
  const region = ctx.customers.byRegion[arrival.region].customers.length > 0 ? arrival.region
    : ctx.customers.all[0].region;
  const pool = ctx.customers.byRegion[region];
  const customer = pool.customers[rng.weighted(pool.cumulative)];

  const monthStart = new Date(t0).getUTCDate() <= 3;
  const leaf = arrival.incident ? OUTAGE_CATEGORY : rng.weighted(monthStart ? LEAF_CUM_MONTH_START : LEAF_CUM);
  const category = LEAF_CATEGORIES[leaf];
  const channel = CHANNELS[rng.weighted(CHANNEL_CUM[customer.tier])];
  const priority = pickPriority(customer, leaf, rng);
  let teamId = routeTeam(ctx, customer, category.group, t0, rng);
  let agent = pickAgent(ctx, teamId, t0, rng);

  const events: SimEvent[] = [];
  let last = t0;
  const push = (type: EventType, ms: number, agentId: number | null, isPublic = true, status: TicketStatus | null = null): number => {
    // Strictly increasing by at least a second, so sequence order is time order.
    const at = Math.max(Math.round(ms), last + 1000);
    events.push({ type, ms: at, agentId, public: isPublic, status, teamId });
    last = at;
    return at;
  };
  events.push({ type: 'CREATED', ms: t0, agentId: null, public: true, status: null, teamId });

  const load = ctx.plan.loadFactor(t0);
  const slow = (a: Agent): number => a.speed * load * PRIORITY_DELAY[priority] * TIER_DELAY[customer.tier];
  const replyDelay = (a: Agent): number => rng.logNormal(NEXT_REPLY[channel][0], NEXT_REPLY[channel][1]) * MINUTE * slow(a);
  // Live channels keep talking in calendar time; the others wait for open hours.
  const live = channel === 'CHAT' || priority === 'URGENT';
  const nextAgentReply = (a: Agent, from: number): number =>
    live ? from + replyDelay(a) : ctx.hours[a.office].addWorkTime(from, replyDelay(a));
  const customerReply = (from: number): number =>
    from + rng.logNormal(CUSTOMER_REPLY[channel][0], CUSTOMER_REPLY[channel][1]) * MINUTE;

  // Routing, assignment, first reply.
  const frDelay = rng.logNormal(FIRST_REPLY[channel][0], FIRST_REPLY[channel][1]) * MINUTE * slow(agent);
  const tFirst = Math.max(t0 + 2000, firstReplyAt(channel, priority, ctx.hours[agent.office], t0, frDelay, rng));
  const tAssign = channel === 'CHAT' || channel === 'PHONE'
    ? t0 + Math.min(rng.uniform(3000, 60_000), (tFirst - t0) / 2)
    : t0 + (tFirst - t0) * rng.uniform(0.4, 0.9);
  push('ASSIGNMENT', tAssign, agent.id);
  if (rng.chance(0.12)) push('AGENT_REPLY', last + (tFirst - last) * rng.uniform(0.2, 0.8), agent.id, false);
  push('AGENT_REPLY', tFirst, agent.id);

  // How the conversation goes: rounds of replies, perhaps an escalation, a solve.
  const pOneTouch = clamp(ONE_TOUCH[channel] * category.oneTouch * (0.75 + 0.25 * agent.quality), 0.05, 0.9);
  let rounds = rng.chance(pOneTouch) ? 1 : Math.min(6, 2 + rng.geometric(0.55));
  const pEscalate = 0.075 * category.escalation * PRIORITY_ESCALATION[priority]
    * (customer.tier === 'ENTERPRISE' ? 1.2 : 1) * (2 - agent.quality);
  const escalateAfter = teamId !== TIER2_TEAM && rng.chance(pEscalate) ? 1 + rng.int(Math.max(1, rounds - 1)) : 0;
  if (escalateAfter > 0) rounds = Math.max(rounds, escalateAfter + 1);

  for (let k = 2; k <= rounds; k += 1) {
    if (k - 1 === escalateAfter) {
      if (rng.chance(0.5)) push('AGENT_REPLY', ctx.hours[agent.office].addWorkTime(last, rng.logNormal(30, 0.8) * MINUTE), agent.id, false);
      const tEsc = push('ESCALATION', ctx.hours[agent.office].addWorkTime(last, rng.logNormal(60, 0.9) * MINUTE), agent.id);
      if (rng.chance(0.6)) {
        teamId = TIER2_TEAM;
        agent = pickAgent(ctx, TIER2_TEAM, tEsc, rng);
      } else {
        // Escalated within the team, to its lead or a senior colleague.
        agent = pickSenior(ctx, teamId, agent, tEsc, rng);
      }
      push('ASSIGNMENT', tEsc + rng.uniform(1, 30) * MINUTE, agent.id);
      if (rng.chance(0.45)) {
        // Waiting on engineering or a third party; some of these drag on for weeks.
        push('STATUS_CHANGE', last + rng.uniform(1, 20) * MINUTE, agent.id, true, 'ON_HOLD');
        push('AGENT_REPLY', ctx.hours[agent.office].addWorkTime(last + rng.logNormal(36, 1.2) * HOUR, rng.logNormal(30, 0.8) * MINUTE), agent.id);
      } else {
        push('AGENT_REPLY', ctx.hours[agent.office].addWorkTime(last, rng.logNormal(240, 0.9) * MINUTE), agent.id);
      }
    } else {
      push('CUSTOMER_REPLY', customerReply(last), null);
      push('AGENT_REPLY', nextAgentReply(agent, last), agent.id);
    }
  }

  const solve = (): void => {
    const r = rng.next();
    if (r < 0.07) {
      // The customer went quiet; the pending ticket is solved automatically after four days.
      push('SOLVE', last + 4 * DAY + rng.uniform(0, HOUR), agent.id);
    } else if (r < 0.25) {
      push('CUSTOMER_REPLY', customerReply(last), null);
      push('SOLVE', last + rng.logNormal(20, 1) * MINUTE, agent.id);
    } else {
      push('SOLVE', last + rng.uniform(5, 600) * 1000, agent.id);
    }
  };
  solve();

  let pReopen = 0.075 * (2 - agent.quality) ** 1.5 * (escalateAfter > 0 ? 1.3 : 1);
  for (let reopen = 0; reopen < 2 && rng.chance(pReopen); reopen += 1) {
    // Customers write back within the four days before a solved ticket closes.
    push('REOPEN', last + Math.min(rng.logNormal(20, 1) * HOUR, 90 * HOUR), null);
    push('AGENT_REPLY', nextAgentReply(agent, last), agent.id);
    if (rng.chance(0.35)) {
      push('CUSTOMER_REPLY', customerReply(last), null);
      push('AGENT_REPLY', nextAgentReply(agent, last), agent.id);
    }
    solve();
    pReopen = 0.15;
  }
  // Solved tickets close four days later (hourly automation); closing is not an event of
  // its own, which keeps the event table a sixth smaller.
  const closeMs = Math.round(last + 4 * DAY + rng.uniform(0, HOUR));

  return stateAt(ctx, rng, {
    customer, leaf, channel, priority, agentQuality: agent.quality, events, incident: arrival.incident, closeMs,
  });
}

interface Draft {
  customer: Customer;
  leaf: number;
  channel: Channel;
  priority: Priority;
  agentQuality: number;
  events: SimEvent[];
  incident: boolean;
  closeMs: number;
}

/** Cuts the history at `now` and derives the ticket's fields from the events that happened. */
function stateAt(ctx: SimContext, rng: Random, d: Draft): SimTicket {
  const kept: SimEvent[] = [];
  for (const e of d.events) if (e.ms <= ctx.nowMs) kept.push(e);
  let status: TicketStatus = 'NEW';
  let assigneeId: number | null = null;
  let teamId = kept[0].teamId;
  let firstResponseMs: number | null = null;
  let agentReplies = 0;
  let reopenCount = 0;
  let escalatedMs: number | null = null;
  let lastSolve: number | null = null;
  let closedMs: number | null = null;
  for (const e of kept) {
    switch (e.type) {
      case 'ASSIGNMENT':
        assigneeId = e.agentId;
        teamId = e.teamId;
        if (status === 'NEW') status = 'OPEN';
        break;
      case 'AGENT_REPLY':
        if (e.public) {
          agentReplies += 1;
          firstResponseMs ??= e.ms;
          status = 'PENDING';
        } else if (status === 'NEW') {
          status = 'OPEN';
        }
        break;
      case 'CUSTOMER_REPLY':
      case 'REOPEN':
      case 'ESCALATION':
        if (e.type === 'REOPEN') reopenCount += 1;
        if (e.type === 'ESCALATION') escalatedMs ??= e.ms;
        status = 'OPEN';
        break;
      case 'SOLVE':
        lastSolve = e.ms;
        status = 'SOLVED';
        break;
      case 'STATUS_CHANGE':
        status = e.status ?? status;
        break;
      default:
        break;
    }
  }
  if (status === 'SOLVED' && d.closeMs <= ctx.nowMs) {
    status = 'CLOSED';
    closedMs = d.closeMs;
  }
  // A ticket reopened after its last solve is unsolved again.
  const solvedMs = status === 'SOLVED' || status === 'CLOSED' ? lastSolve : null;
  const createdMs = kept[0].ms;
  const category = LEAF_CATEGORIES[d.leaf];

  const tags = [...category.tags];
  if (d.customer.language) tags.push(d.customer.language);
  if (d.customer.tier === 'ENTERPRISE') tags.push('vip');
  if (d.incident) tags.push('incident');
  for (const extra of EXTRA_TAGS) if (rng.chance(extra.share)) tags.push(extra.tag);

  const feedback: SimFeedback[] = [];
  if (solvedMs !== null && firstResponseMs !== null) {
    const waitHours = Math.log1p((firstResponseMs - createdMs) / HOUR);
    const resolutionDays = Math.log1p((solvedMs - createdMs) / DAY);
    const q = d.agentQuality - 1;
    const reopened = reopenCount > 0 ? 1 : 0;
    const escalated = escalatedMs !== null ? 1 : 0;
    const answeredAt = (): number => solvedMs + Math.min(rng.logNormal(3, 1.2) * HOUR, 6 * DAY);
    const tier = d.customer.tier;
    if (rng.chance(tier === 'ENTERPRISE' ? 0.3 : tier === 'FREE' ? 0.2 : 0.25)) {
      const ms = answeredAt();
      const score = Math.round(clamp(4.95 + 1.5 * q - 0.32 * waitHours - 0.18 * resolutionDays
        - 0.9 * reopened - 0.35 * escalated + 0.9 * rng.normal(), 1, 5));
      const comment = score <= 2 && rng.chance(0.45) ? rng.pick(COMMENTS.bad)
        : score >= 4 && rng.chance(0.12) ? rng.pick(COMMENTS.good) : null;
      if (ms <= ctx.nowMs) feedback.push({ kind: 'CSAT', score, comment, ms });
    }
    if (rng.chance(0.06)) {
      const ms = answeredAt();
      const score = Math.round(clamp(8.9 + 3 * q - 0.45 * waitHours - 0.3 * resolutionDays - 1.5 * reopened
        - 0.5 * escalated + (tier === 'ENTERPRISE' ? 0.3 : tier === 'FREE' ? -0.4 : 0) + 1.9 * rng.normal(), 0, 10));
      if (ms <= ctx.nowMs) feedback.push({ kind: 'NPS', score, comment: null, ms });
    }
    if (rng.chance(0.08)) {
      const ms = answeredAt();
      const score = Math.round(clamp(6.4 + 1.5 * q - 0.3 * waitHours - 0.25 * resolutionDays
        - 0.3 * Math.min(agentReplies - 1, 4) - reopened + rng.normal(), 1, 7));
      if (ms <= ctx.nowMs) feedback.push({ kind: 'CES', score, comment: null, ms });
    }
  }

  const subject = rng.pick(category.subjects).replace('{n}', String(100000 + rng.int(900000)));
  return {
    subject,
    channel: d.channel,
    priority: d.priority,
    status,
    categoryId: PARENT_CATEGORIES.length + 1 + d.leaf,
    teamId,
    assigneeId,
    customerId: d.customer.id,
    tags,
    createdMs,
    firstResponseMs,
    solvedMs,
    closedMs,
    agentReplies,
    reopenCount,
    escalatedMs,
    events: kept,
    feedback,
  };
}
