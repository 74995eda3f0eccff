import { Channel, CustomerTier, FeedbackKind, Priority, TicketEventType, TicketStatus } from '../generated/prisma/enums.ts';
import { builder } from './builder.ts';

/** Where a ticket came in. */
export const ChannelEnum = builder.enumType(Channel, {
  name: 'Channel',
  description: 'The channel a ticket arrived through.',
});

/** How urgent a ticket is. */
export const PriorityEnum = builder.enumType(Priority, {
  name: 'Priority',
  description: 'Ticket priority, lowest to highest.',
});

/** Lifecycle state of a ticket. */
export const TicketStatusEnum = builder.enumType(TicketStatus, {
  name: 'TicketStatus',
  description: 'Ticket state: NEW, OPEN, PENDING (waiting on the customer), ON_HOLD (waiting on a third party), SOLVED, CLOSED.',
});

/** Commercial tier of a customer. */
export const CustomerTierEnum = builder.enumType(CustomerTier, {
  name: 'CustomerTier',
  description: 'The commercial tier of a customer.',
});

/** The survey a feedback response answers. */
export const FeedbackKindEnum = builder.enumType(FeedbackKind, {
  name: 'FeedbackKind',
  description: 'Survey kind: CSAT (score 1-5), NPS (0-10), CES (1-7).',
});

/** What happened in a ticket event. */
export const TicketEventTypeEnum = builder.enumType(TicketEventType, {
  name: 'TicketEventType',
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
