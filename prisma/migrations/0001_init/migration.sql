-- Core data model. Indexes serve the analytic access paths: each KPI is bucketed by
-- one event-time column (createdAt, solvedAt, firstResponseAt), alone or filtered by
-- team, assignee or channel, so each gets a btree with and without those leading keys.

-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('EMAIL', 'CHAT', 'PHONE', 'SOCIAL', 'WEB', 'API');
CREATE TYPE "Priority" AS ENUM ('LOW', 'NORMAL', 'HIGH', 'URGENT');
CREATE TYPE "TicketStatus" AS ENUM ('NEW', 'OPEN', 'PENDING', 'ON_HOLD', 'SOLVED', 'CLOSED');
CREATE TYPE "CustomerTier" AS ENUM ('FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE');
CREATE TYPE "FeedbackKind" AS ENUM ('CSAT', 'NPS', 'CES');
CREATE TYPE "TicketEventType" AS ENUM ('CREATED', 'AGENT_REPLY', 'CUSTOMER_REPLY', 'STATUS_CHANGE', 'ASSIGNMENT', 'ESCALATION', 'REOPEN', 'SOLVE');
CREATE TYPE "SlaStatus" AS ENUM ('ACHIEVED', 'BREACHED', 'PENDING');

-- CreateTable
CREATE TABLE "Team" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Agent" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "role" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "teamId" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Customer" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT,
    "email" TEXT,
    "organization" TEXT,
    "tier" "CustomerTier",
    "country" CHAR(2),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Category" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentId" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Category_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "BusinessCalendar" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL,
    "hours" JSONB NOT NULL,
    "holidays" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BusinessCalendar_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "SlaPolicy" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "priorities" "Priority"[],
    "channels" "Channel"[] DEFAULT ARRAY[]::"Channel"[],
    "calendarId" INTEGER,
    "firstResponseMinutes" INTEGER,
    "resolutionMinutes" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SlaPolicy_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Ticket" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "subject" TEXT,
    "channel" "Channel" NOT NULL,
    "priority" "Priority" NOT NULL DEFAULT 'NORMAL',
    "status" "TicketStatus" NOT NULL,
    "categoryId" INTEGER,
    "teamId" INTEGER,
    "assigneeId" INTEGER,
    "customerId" INTEGER,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "firstResponseAt" TIMESTAMPTZ(3),
    "solvedAt" TIMESTAMPTZ(3),
    "closedAt" TIMESTAMPTZ(3),
    "agentReplies" INTEGER NOT NULL DEFAULT 0,
    "reopenCount" INTEGER NOT NULL DEFAULT 0,
    "escalated" BOOLEAN NOT NULL DEFAULT false,
    "escalatedAt" TIMESTAMPTZ(3),
    "slaPolicyId" INTEGER,
    "firstResponseDueAt" TIMESTAMPTZ(3),
    "firstResponseSlaStatus" "SlaStatus",
    "resolutionDueAt" TIMESTAMPTZ(3),
    "resolutionSlaStatus" "SlaStatus",
    "firstResponseBusinessSeconds" INTEGER,
    "resolutionBusinessSeconds" INTEGER,
    "ingestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Ticket_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "TicketEvent" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" "TicketEventType" NOT NULL,
    "occurredAt" TIMESTAMPTZ(3) NOT NULL,
    "public" BOOLEAN NOT NULL DEFAULT true,
    "agentId" INTEGER,
    "status" "TicketStatus",
    CONSTRAINT "TicketEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Feedback" (
    "id" SERIAL NOT NULL,
    "externalId" TEXT NOT NULL,
    "kind" "FeedbackKind" NOT NULL,
    "score" INTEGER NOT NULL,
    "comment" TEXT,
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "ticketId" INTEGER,
    "agentId" INTEGER,
    "customerId" INTEGER,
    "ingestedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Feedback_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Team_externalId_key" ON "Team"("externalId");
CREATE UNIQUE INDEX "Agent_externalId_key" ON "Agent"("externalId");
CREATE INDEX "Agent_teamId_idx" ON "Agent"("teamId");
CREATE UNIQUE INDEX "Customer_externalId_key" ON "Customer"("externalId");
CREATE UNIQUE INDEX "Category_externalId_key" ON "Category"("externalId");
CREATE INDEX "Category_parentId_idx" ON "Category"("parentId");
CREATE UNIQUE INDEX "BusinessCalendar_externalId_key" ON "BusinessCalendar"("externalId");
CREATE UNIQUE INDEX "SlaPolicy_externalId_key" ON "SlaPolicy"("externalId");
CREATE INDEX "SlaPolicy_calendarId_idx" ON "SlaPolicy"("calendarId");
CREATE UNIQUE INDEX "Ticket_externalId_key" ON "Ticket"("externalId");
-- ticketsCreated / escalationRate / backlog (createdAt < end)
CREATE INDEX "Ticket_createdAt_idx" ON "Ticket"("createdAt");
-- ticketsSolved / resolution time / reopen, one-touch, FCR rates
CREATE INDEX "Ticket_solvedAt_idx" ON "Ticket"("solvedAt");
-- firstResponseTime
CREATE INDEX "Ticket_firstResponseAt_idx" ON "Ticket"("firstResponseAt");
-- the same, per team / per agent (breakdowns, per-entity metrics) and per channel
CREATE INDEX "Ticket_teamId_createdAt_idx" ON "Ticket"("teamId", "createdAt");
CREATE INDEX "Ticket_teamId_solvedAt_idx" ON "Ticket"("teamId", "solvedAt");
CREATE INDEX "Ticket_teamId_firstResponseAt_idx" ON "Ticket"("teamId", "firstResponseAt");
CREATE INDEX "Ticket_assigneeId_createdAt_idx" ON "Ticket"("assigneeId", "createdAt");
CREATE INDEX "Ticket_assigneeId_solvedAt_idx" ON "Ticket"("assigneeId", "solvedAt");
CREATE INDEX "Ticket_assigneeId_firstResponseAt_idx" ON "Ticket"("assigneeId", "firstResponseAt");
CREATE INDEX "Ticket_channel_createdAt_idx" ON "Ticket"("channel", "createdAt");
CREATE INDEX "Ticket_channel_solvedAt_idx" ON "Ticket"("channel", "solvedAt");
CREATE INDEX "Ticket_channel_firstResponseAt_idx" ON "Ticket"("channel", "firstResponseAt");
-- filters by customer / category / policy, and the foreign keys' delete checks
CREATE INDEX "Ticket_customerId_idx" ON "Ticket"("customerId");
CREATE INDEX "Ticket_categoryId_idx" ON "Ticket"("categoryId");
CREATE INDEX "Ticket_slaPolicyId_idx" ON "Ticket"("slaPolicyId");
-- TicketFilter.tags (tags && $1)
CREATE INDEX "Ticket_tags_idx" ON "Ticket" USING GIN ("tags");
CREATE UNIQUE INDEX "TicketEvent_externalId_key" ON "TicketEvent"("externalId");
CREATE UNIQUE INDEX "TicketEvent_ticketId_seq_key" ON "TicketEvent"("ticketId", "seq");
-- agent replies per bucket
CREATE INDEX "TicketEvent_agentId_occurredAt_idx" ON "TicketEvent"("agentId", "occurredAt");
CREATE INDEX "TicketEvent_occurredAt_idx" ON "TicketEvent"("occurredAt");
CREATE UNIQUE INDEX "Feedback_externalId_key" ON "Feedback"("externalId");
-- CSAT / NPS / CES by response time, overall and per kind
CREATE INDEX "Feedback_createdAt_idx" ON "Feedback"("createdAt");
CREATE INDEX "Feedback_kind_createdAt_idx" ON "Feedback"("kind", "createdAt");
CREATE INDEX "Feedback_ticketId_idx" ON "Feedback"("ticketId");
CREATE INDEX "Feedback_agentId_createdAt_idx" ON "Feedback"("agentId", "createdAt");
CREATE INDEX "Feedback_customerId_idx" ON "Feedback"("customerId");

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Category" ADD CONSTRAINT "Category_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Category"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "SlaPolicy" ADD CONSTRAINT "SlaPolicy_calendarId_fkey" FOREIGN KEY ("calendarId") REFERENCES "BusinessCalendar"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_categoryId_fkey" FOREIGN KEY ("categoryId") REFERENCES "Category"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_assigneeId_fkey" FOREIGN KEY ("assigneeId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_slaPolicyId_fkey" FOREIGN KEY ("slaPolicyId") REFERENCES "SlaPolicy"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "TicketEvent" ADD CONSTRAINT "TicketEvent_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "TicketEvent" ADD CONSTRAINT "TicketEvent_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Feedback" ADD CONSTRAINT "Feedback_customerId_fkey" FOREIGN KEY ("customerId") REFERENCES "Customer"("id") ON DELETE SET NULL ON UPDATE CASCADE;
