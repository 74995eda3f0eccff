/**
 * The dashboard's GraphQL documents. They are published as persisted (trusted)
 * documents: the server loads this file (src/static/persisted.ts) and accepts them by
 * their SHA-256 hash, and the build embeds the same hashes in the dashboard.
 */

const METRICS = `
  ticketsCreated ticketsSolved backlog
  firstResponseTime { median p90 }
  resolutionTime { median }
  csat { score responses }
  nps { score responses }
  firstContactResolutionRate
  sla { firstResponse { attainment } resolution { attainment } }`;

/** Filter options and who is looking: the viewer, and the teams the viewer may read. */
export const VIEWER = `query DashboardViewer {
  viewer { role tokenName restrictedToTeams teams { id name } }
  teams { id name }
}`;

/** KPI cards: totals of the range and of the previous period, and a series for sparklines. */
export const KPIS = `query DashboardKpis($range: DateTimeRange!, $previous: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!, $granularity: Granularity!) {
  current: metrics(range: $range, filter: $filter, timeZone: $timeZone) {${METRICS}
    targets { status actual threshold target { metric name teamId agentId filter } }
  }
  previous: metrics(range: $previous, filter: $filter, timeZone: $timeZone) {${METRICS}
  }
  series: timeSeries(range: $range, granularity: $granularity, timeZone: $timeZone, filter: $filter) {
    start label metrics {${METRICS}
    }
  }
}`;

/** Trend charts: the selected metrics per bucket. */
export const TRENDS = `query DashboardTrends($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!, $granularity: Granularity!) {
  timeSeries(range: $range, granularity: $granularity, timeZone: $timeZone, filter: $filter) {
    start end label metrics {${METRICS}
    }
  }
}`;

/** The team table. */
export const TEAMS = `query DashboardTeams($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!) {
  breakdown(by: [TEAM], range: $range, filter: $filter, timeZone: $timeZone) {
    key { team { id name } }
    metrics {${METRICS}
    }
  }
}`;

/** The agent table (the 100 agents who solved most). */
export const AGENTS = `query DashboardAgents($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!) {
  breakdown(by: [AGENT], range: $range, filter: $filter, timeZone: $timeZone, orderBy: { metric: TICKETS_SOLVED, direction: DESC }, limit: 100) {
    key { agent { id name team { name } } }
    metrics {${METRICS}
    }
  }
}`;

/** Volume and speed by channel. */
export const CHANNELS = `query DashboardChannels($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!) {
  breakdown(by: [CHANNEL], range: $range, filter: $filter, timeZone: $timeZone) {
    key { channel }
    metrics { ticketsCreated ticketsSolved firstResponseTime { median } csat { score } }
  }
}`;

/** Volume by contact reason (the ticket's category). */
export const REASONS = `query DashboardReasons($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!) {
  breakdown(by: [CATEGORY], range: $range, filter: $filter, timeZone: $timeZone, orderBy: { metric: TICKETS_CREATED, direction: DESC }, limit: 12) {
    key { category { id name } }
    metrics { ticketsCreated resolutionTime { median } csat { score } }
  }
}`;

/** Arrivals by local weekday and hour. */
export const HEATMAP = `query DashboardHeatmap($range: DateTimeRange!, $filter: TicketFilter, $timeZone: TimeZone!) {
  breakdown(by: [WEEKDAY, HOUR_OF_DAY], range: $range, filter: $filter, timeZone: $timeZone) {
    key { weekday hourOfDay }
    metrics { ticketsCreated }
  }
}`;

/** Open SLA targets due soon. */
export const AT_RISK = `query DashboardAtRisk($filter: TicketFilter, $within: Duration!) {
  slaAtRisk(within: $within, filter: $filter, first: 25) {
    target dueAt secondsLeft
    ticket { id externalId subject priority channel assignee { name team { name } } }
  }
}`;

/** Drill-through: the tickets behind a number. */
export const TICKETS = `query DashboardTickets($filter: TicketFilter, $after: String) {
  tickets(first: 100, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id externalId subject channel priority status createdAt solvedAt assignee { name team { name } } }
  }
}`;

/** Every document the dashboard sends, by operation name. */
export const DASHBOARD_DOCUMENTS: Readonly<Record<string, string>> = {
  DashboardViewer: VIEWER,
  DashboardKpis: KPIS,
  DashboardTrends: TRENDS,
  DashboardTeams: TEAMS,
  DashboardAgents: AGENTS,
  DashboardChannels: CHANNELS,
  DashboardReasons: REASONS,
  DashboardHeatmap: HEATMAP,
  DashboardAtRisk: AT_RISK,
  DashboardTickets: TICKETS,
};
