/** A GraphiQL tab: an example query (with variables) that works on the demo data. */
export interface ExampleTab {
  query: string;
  variables?: string;
}

const weekly = `# Weekly KPIs for the dashboard: one SQL statement for all of them
query WeeklyKpis($range: DateTimeRange!) {
  timeSeries(range: $range, granularity: WEEK, timeZone: "Europe/Berlin") {
    label
    start
    metrics {
      ticketsCreated
      ticketsSolved
      backlog
      firstResponseTime { median p90 }
      resolutionTime { median }
      csat { score responses }
      sla { firstResponse { attainment } }
    }
  }
}`;

const teams = `# Team comparison over the range, best CSAT first
query TeamComparison($range: DateTimeRange!) {
  breakdown(by: [TEAM], range: $range, orderBy: { metric: CSAT_SCORE, direction: DESC }) {
    key { team { name } }
    metrics {
      ticketsSolved
      firstResponseTime { median }
      firstContactResolutionRate
      csat { score }
      nps { score }
    }
  }
}`;

const agents = `# Agent leaderboard: a page of agents with their metrics (one grouped statement)
query Agents($range: DateTimeRange!) {
  agents(first: 20, filter: { active: true }) {
    nodes {
      name
      team { name }
      metrics(range: $range) {
        ticketsSolved
        firstResponseTime { median }
        csat { score responses }
      }
    }
  }
}`;

const channels = `# Monthly volume by channel
query ChannelsByMonth($range: DateTimeRange!) {
  breakdown(by: [CHANNEL], range: $range, granularity: MONTH) {
    key { channel }
    buckets { label metrics { ticketsCreated firstResponseTime { median } } }
  }
}`;

const tickets = `# Newest urgent tickets with who handles them
query UrgentTickets {
  tickets(first: 10, filter: { priorities: [URGENT] }) {
    totalCount
    nodes {
      externalId
      subject
      channel
      status
      createdAt
      firstResponseSeconds
      assignee { name team { name } }
      customer { name organization tier }
      feedback { kind score }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The example tabs GraphiQL opens with; ranges end today, where the demo data ends. */
export function exampleTabs(now: Date = new Date()): ExampleTab[] {
  const day = 86_400_000;
  const to = new Date(Math.floor(now.getTime() / day) * day + day);
  const range = (days: number) =>
    JSON.stringify({ range: { from: new Date(to.getTime() - days * day).toISOString(), to: to.toISOString() } }, null, 2);
  return [
    { query: weekly, variables: range(12 * 7) },
    { query: teams, variables: range(30) },
    { query: agents, variables: range(30) },
    { query: channels, variables: range(365) },
    { query: tickets },
  ];
}
