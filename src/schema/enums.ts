import { builder } from './builder.ts';

/** Where a ticket came in. */
export const ChannelEnum = builder.enumType('Channel', {
  values: {
    EMAIL: { description: 'E-mail.' },
    CHAT: { description: 'Live chat or messaging.' },
    PHONE: { description: 'Phone call or voicemail.' },
    SOCIAL: { description: 'Social media (Twitter/X, Facebook, WhatsApp...).' },
    WEB: { description: 'Web form, help center or widget.' },
    API: { description: 'Created through an API or an automation.' },
  } as const,
  description: 'The channel a ticket arrived through.',
});

/** How urgent a ticket is. */
export const PriorityEnum = builder.enumType('Priority', {
  values: {
    LOW: { description: 'Low.' },
    NORMAL: { description: 'Normal (the default).' },
    HIGH: { description: 'High.' },
    URGENT: { description: 'Urgent.' },
  } as const,
  description: 'Ticket priority, lowest to highest.',
});

/** Lifecycle state of a ticket. */
export const TicketStatusEnum = builder.enumType('TicketStatus', {
  values: {
    NEW: { description: 'Not yet worked on.' },
    OPEN: { description: 'Being worked on.' },
    PENDING: { description: 'Waiting on the customer.' },
    ON_HOLD: { description: 'Waiting on a third party.' },
    SOLVED: { description: 'Solved; may still be reopened.' },
    CLOSED: { description: 'Closed for good.' },
  } as const,
  description: 'Ticket state: NEW, OPEN, PENDING (waiting on the customer), ON_HOLD (waiting on a third party), SOLVED, CLOSED.',
});

/** Commercial tier of a customer. */
export const CustomerTierEnum = builder.enumType('CustomerTier', {
  values: {
    FREE: { description: 'Free plan.' },
    STANDARD: { description: 'Standard plan.' },
    PREMIUM: { description: 'Premium plan.' },
    ENTERPRISE: { description: 'Enterprise contract.' },
  } as const,
  description: 'The commercial tier of a customer.',
});

/** The survey a feedback response answers. */
export const FeedbackKindEnum = builder.enumType('FeedbackKind', {
  values: {
    CSAT: { description: 'Customer satisfaction, scored 1 to 5.' },
    NPS: { description: 'Net Promoter Score question, scored 0 to 10.' },
    CES: { description: 'Customer effort score, 1 to 7.' },
  } as const,
  description: 'Survey kind: CSAT (score 1-5), NPS (0-10), CES (1-7).',
});

/** What happened in a ticket event. */
export const TicketEventTypeEnum = builder.enumType('TicketEventType', {
  values: {
    CREATED: { description: 'The ticket was opened.' },
    AGENT_REPLY: { description: 'An agent replied (public, or an internal note when public is false).' },
    CUSTOMER_REPLY: { description: 'The customer replied.' },
    STATUS_CHANGE: { description: 'The status changed (see status).' },
    ASSIGNMENT: { description: 'The ticket was assigned to an agent or team.' },
    ESCALATION: { description: 'The ticket was escalated.' },
    REOPEN: { description: 'A solved ticket was reopened.' },
    SOLVE: { description: 'The ticket was solved.' },
    SURVEY_SENT: { description: 'A satisfaction survey was sent to the requester (the denominator of surveys.responseRate).' },
  } as const,
  description: 'The kind of a ticket event.',
});

/** Sort direction. */
export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: {
    ASC: { description: 'Smallest first.' },
    DESC: { description: 'Largest first.' },
  } as const,
});

/** ISO weekdays, for week starts and open hours. */
export const WeekdayEnum = builder.enumType('Weekday', {
  description: 'A day of the week.',
  values: {
    MONDAY: { value: 1, description: 'Monday (ISO weekday 1).' },
    TUESDAY: { value: 2, description: 'Tuesday.' },
    WEDNESDAY: { value: 3, description: 'Wednesday.' },
    THURSDAY: { value: 4, description: 'Thursday.' },
    FRIDAY: { value: 5, description: 'Friday.' },
    SATURDAY: { value: 6, description: 'Saturday.' },
    SUNDAY: { value: 7, description: 'Sunday (ISO weekday 7).' },
  } as const,
});
