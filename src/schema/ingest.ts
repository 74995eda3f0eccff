import type { UpsertResult } from '../ingest/types.ts';
import {
  upsertAgents,
  upsertCategories,
  upsertCustomers,
  upsertFeedback,
  upsertTeams,
  upsertTickets,
} from '../ingest/upsert.ts';
import { builder } from './builder.ts';
import { ChannelEnum, CustomerTierEnum, FeedbackKindEnum, PriorityEnum, TicketEventTypeEnum, TicketStatusEnum } from './enums.ts';

// The ingestion mutations of api.md: thin resolvers over src/ingest/upsert.ts, which
// validates (every bad row listed in extensions.errors), writes in one transaction and
// counts. Which roles may call them is decided in src/auth/policy.ts (ADMIN, INGEST).

const BATCH_NOTE =
  'At most 1000 rows; all or nothing: one invalid row fails the call with BAD_USER_INPUT, extensions.errors lists every bad row as { index, externalId, field, message } and nothing is stored. Sending the same rows again changes nothing (all counted as unchanged).';

/** What an upsert did. */
export const UpsertResultRef = builder.objectRef<UpsertResult>('UpsertResult').implement({
  description: 'How many rows of an upsert batch were created, updated or left as they were.',
  fields: (t) => ({
    created: t.exposeInt('created', { description: 'Rows whose externalId was new: inserted.' }),
    updated: t.exposeInt('updated', {
      description: 'Rows that existed and differed in at least one value (tickets: also when only their events differed): rewritten.',
    }),
    unchanged: t.exposeInt('unchanged', { description: 'Rows that existed with exactly these values: nothing was written, updatedAt kept.' }),
  }),
});

const TeamInput = builder.inputType('TeamInput', {
  description: 'A team (a group of agents), identified by the source help desk id.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source help desk knows the team by.' }),
    name: t.string({ required: true, description: 'Display name.' }),
  }),
});

const AgentInput = builder.inputType('AgentInput', {
  description: 'An agent, identified by the source help desk id.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source help desk knows the agent by.' }),
    name: t.string({ required: true, description: 'Display name.' }),
    email: t.field({ type: 'EmailAddress', description: 'E-mail address.' }),
    teamExternalId: t.string({ description: 'externalId of the agent’s team; the team must exist.' }),
    role: t.string({ description: 'Free-text role in the source (e.g. "agent", "lead").' }),
    active: t.boolean({ defaultValue: true, description: 'Whether the agent still works tickets (default true).' }),
  }),
});

const CustomerInput = builder.inputType('CustomerInput', {
  description: 'A customer (the requester of tickets), identified by the source help desk id.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source help desk knows the customer by.' }),
    name: t.string({ description: 'Display name.' }),
    email: t.field({ type: 'EmailAddress', description: 'E-mail address.' }),
    organization: t.string({ description: 'The customer’s company or organization.' }),
    tier: t.field({ type: CustomerTierEnum, description: 'Commercial tier.' }),
    country: t.field({ type: 'CountryCode', description: 'ISO 3166-1 alpha-2 country code, e.g. "DE".' }),
  }),
});

const CategoryInput = builder.inputType('CategoryInput', {
  description: 'A ticket category; categories form a tree.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source help desk knows the category by.' }),
    name: t.string({ required: true, description: 'Display name.' }),
    parentExternalId: t.string({
      description: 'externalId of the parent category: an existing one or another row of the same batch. A parent chain may not loop.',
    }),
  }),
});

const TicketEventInput = builder.inputType('TicketEventInput', {
  description: 'One entry of a ticket’s history. Given as a list, it replaces the ticket’s stored history.',
  fields: (t) => ({
    externalId: t.string({ description: 'The source’s id for the event; default "<ticket externalId>#<position in the list, from 1>".' }),
    type: t.field({ type: TicketEventTypeEnum, required: true, description: 'What happened.' }),
    occurredAt: t.field({ type: 'DateTime', required: true, description: 'When it happened.' }),
    public: t.boolean({ description: 'Replies: seen by the customer (default true) or an internal note (false).' }),
    agentExternalId: t.string({ description: 'externalId of the agent who acted; the agent must exist.' }),
    status: t.field({ type: TicketStatusEnum, description: 'STATUS_CHANGE: the new status.' }),
  }),
});

const TicketInput = builder.inputType('TicketInput', {
  description:
    'A ticket. References name other entities by externalId; they must exist. When `events` is given, firstResponseAt (first public AGENT_REPLY), solvedAt (latest SOLVE not followed by a REOPEN), agentReplies (public AGENT_REPLY events), reopenCount (REOPEN events) and escalated (any ESCALATION) are derived from it, and given values that differ are an error.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source help desk knows the ticket by.' }),
    subject: t.string({ description: 'Subject line.' }),
    channel: t.field({ type: ChannelEnum, required: true, description: 'The channel the ticket arrived through.' }),
    priority: t.field({ type: PriorityEnum, defaultValue: 'NORMAL', description: 'Priority (default NORMAL).' }),
    status: t.field({ type: TicketStatusEnum, required: true, description: 'Current status; SOLVED and CLOSED need solvedAt (or a SOLVE event).' }),
    categoryExternalId: t.string({ description: 'externalId of the ticket’s category.' }),
    teamExternalId: t.string({ description: 'externalId of the team the ticket belongs to.' }),
    assigneeExternalId: t.string({ description: 'externalId of the assigned agent.' }),
    customerExternalId: t.string({ description: 'externalId of the requesting customer.' }),
    tags: t.stringList({ required: { list: false, items: true }, description: 'Tags, stored in the given order.' }),
    createdAt: t.field({ type: 'DateTime', required: true, description: 'When the ticket was created in the source.' }),
    firstResponseAt: t.field({ type: 'DateTime', description: 'First public agent reply; not before createdAt.' }),
    solvedAt: t.field({ type: 'DateTime', description: 'Latest solve; not before createdAt.' }),
    closedAt: t.field({ type: 'DateTime', description: 'When the ticket was closed; not before createdAt.' }),
    agentReplies: t.int({ description: 'Number of public agent replies (default 0, not negative).' }),
    reopenCount: t.int({ description: 'Number of reopens (default 0, not negative).' }),
    escalated: t.boolean({ description: 'Whether the ticket was escalated (default false).' }),
    events: t.field({
      type: [TicketEventInput],
      required: { list: false, items: true },
      description: 'The ticket’s full history; when given, timestamps and counts are derived from it and it replaces the stored history.',
    }),
  }),
});

const FeedbackInput = builder.inputType('FeedbackInput', {
  description: 'A survey response, credited to the ticket’s agent and team, or to the agent it names when there is no ticket.',
  fields: (t) => ({
    externalId: t.string({ required: true, description: 'The id the source knows the response by.' }),
    kind: t.field({ type: FeedbackKindEnum, required: true, description: 'Survey kind: CSAT (score 1-5), NPS (0-10) or CES (1-7).' }),
    score: t.int({ required: true, description: 'The rating, within the range of its kind.' }),
    comment: t.string({ description: 'Free-text comment.' }),
    createdAt: t.field({ type: 'DateTime', required: true, description: 'When the response was given; places it in time buckets.' }),
    ticketExternalId: t.string({ description: 'externalId of the rated ticket (its assignee and team get the credit).' }),
    agentExternalId: t.string({ description: 'externalId of the rated agent, when the response names no ticket.' }),
    customerExternalId: t.string({ description: 'externalId of the responding customer.' }),
  }),
});

builder.mutationFields((t) => ({
  upsertTeams: t.field({
    type: UpsertResultRef,
    description: `Creates or updates teams by externalId. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [TeamInput], required: true, description: 'The teams.' }) },
    resolve: (_root, { input }, ctx) => upsertTeams(ctx.db, input),
  }),
  upsertAgents: t.field({
    type: UpsertResultRef,
    description: `Creates or updates agents by externalId; teams are named by teamExternalId and must exist. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [AgentInput], required: true, description: 'The agents.' }) },
    resolve: (_root, { input }, ctx) => upsertAgents(ctx.db, input),
  }),
  upsertCustomers: t.field({
    type: UpsertResultRef,
    description: `Creates or updates customers by externalId. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [CustomerInput], required: true, description: 'The customers.' }) },
    resolve: (_root, { input }, ctx) => upsertCustomers(ctx.db, input),
  }),
  upsertCategories: t.field({
    type: UpsertResultRef,
    description: `Creates or updates categories by externalId; a parent may be another row of the same batch. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [CategoryInput], required: true, description: 'The categories.' }) },
    resolve: (_root, { input }, ctx) => upsertCategories(ctx.db, input),
  }),
  upsertTickets: t.field({
    type: UpsertResultRef,
    description: `Creates or updates tickets (and, when given, replaces their events) by externalId, then recomputes their SLA fields. Rejects unknown references, first response/solve/close before creation, negative counts, SOLVED or CLOSED without solvedAt, and values that contradict the events. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [TicketInput], required: true, description: 'The tickets.' }) },
    resolve: (_root, { input }, ctx) => upsertTickets(ctx.db, input),
  }),
  upsertFeedback: t.field({
    type: UpsertResultRef,
    description: `Creates or updates survey responses by externalId; each names a ticket or an agent, and its score must lie in the range of its kind. ${BATCH_NOTE}`,
    args: { input: t.arg({ type: [FeedbackInput], required: true, description: 'The responses.' }) },
    resolve: (_root, { input }, ctx) => upsertFeedback(ctx.db, input),
  }),
}));
