/** A GraphiQL tab: a named example query that works on the demo data. */
export interface ExampleTab {
  query: string;
  variables?: string;
}

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

const agents = `# Teams and their agents
query Teams {
  teams {
    name
    agents(first: 20) {
      totalCount
      nodes { name email role active }
    }
  }
}`;

/** The example tabs GraphiQL opens with. */
export function exampleTabs(): ExampleTab[] {
  return [{ query: tickets }, { query: agents }];
}
