-- Targets, scorecards, alert rules and their events. Targets and scorecards are read by
-- name ("Target_name_key", "Scorecard_name_key"). The scheduler finds due rules through
-- "AlertRule_nextEvalAt_idx" (nextEvalAt <= now, claimed FOR UPDATE SKIP LOCKED, as
-- reports are), claims pending notifications through "AlertEvent_status_leaseUntil_idx",
-- and alertEvents lists a rule's history newest first through "AlertEvent_ruleId_id_idx".
-- The primary key of "AlertTicketNotice" makes an at-risk ticket notify once per rule.

-- CreateEnum
CREATE TYPE "TargetComparison" AS ENUM ('AT_MOST', 'AT_LEAST');
CREATE TYPE "AlertState" AS ENUM ('OK', 'PENDING', 'FIRING', 'RESOLVED');
CREATE TYPE "AlertKind" AS ENUM ('METRIC', 'SLA_AT_RISK');
CREATE TYPE "AlertWindowKind" AS ENUM ('ROLLING', 'TODAY');

-- CreateTable
CREATE TABLE "Target" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "metric" TEXT NOT NULL,
    "filter" JSONB,
    "scopeTeamId" INTEGER,
    "scopeAgentId" INTEGER,
    "comparison" "TargetComparison" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "granularity" TEXT NOT NULL,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Target_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Scorecard" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "components" JSONB NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Scorecard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "targetId" INTEGER,
    "metric" TEXT,
    "filter" JSONB,
    "scopeTeamId" INTEGER,
    "scopeAgentId" INTEGER,
    "comparison" "TargetComparison",
    "threshold" DOUBLE PRECISION,
    "windowKind" "AlertWindowKind" NOT NULL DEFAULT 'ROLLING',
    "windowSeconds" INTEGER,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "minSample" INTEGER NOT NULL DEFAULT 0,
    "forSeconds" INTEGER NOT NULL DEFAULT 0,
    "everySeconds" INTEGER NOT NULL DEFAULT 60,
    "withinSeconds" INTEGER,
    "destinations" JSONB NOT NULL DEFAULT '[]',
    "silencedUntil" TIMESTAMPTZ(3),
    "state" "AlertState" NOT NULL DEFAULT 'OK',
    "stateSince" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "activeSince" TIMESTAMPTZ(3),
    "lastValue" DOUBLE PRECISION,
    "lastSample" INTEGER,
    "lastEvaluatedAt" TIMESTAMPTZ(3),
    "nextEvalAt" TIMESTAMPTZ(3),
    "evalLeaseUntil" TIMESTAMPTZ(3),
    "claims" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertEvent" (
    "id" SERIAL NOT NULL,
    "ruleId" INTEGER NOT NULL,
    "fromState" "AlertState" NOT NULL,
    "toState" "AlertState" NOT NULL,
    "value" DOUBLE PRECISION,
    "threshold" DOUBLE PRECISION,
    "sample" INTEGER,
    "windowFrom" TIMESTAMPTZ(3),
    "windowTo" TIMESTAMPTZ(3),
    "ticketIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "at" TIMESTAMPTZ(3) NOT NULL,
    "status" "ReportRunStatus",
    "leaseUntil" TIMESTAMPTZ(3),
    "claims" INTEGER NOT NULL DEFAULT 0,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "deliveries" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,

    CONSTRAINT "AlertEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertTicketNotice" (
    "ruleId" INTEGER NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "target" TEXT NOT NULL,
    "dueAt" TIMESTAMPTZ(3) NOT NULL,
    "eventId" INTEGER NOT NULL,

    CONSTRAINT "AlertTicketNotice_pkey" PRIMARY KEY ("ruleId", "ticketId", "target")
);

-- CreateIndex
CREATE UNIQUE INDEX "Target_name_key" ON "Target"("name");
CREATE UNIQUE INDEX "Scorecard_name_key" ON "Scorecard"("name");
CREATE UNIQUE INDEX "AlertRule_name_key" ON "AlertRule"("name");
CREATE INDEX "AlertRule_nextEvalAt_idx" ON "AlertRule"("nextEvalAt");
CREATE INDEX "AlertEvent_ruleId_id_idx" ON "AlertEvent"("ruleId", "id");
CREATE INDEX "AlertEvent_status_leaseUntil_idx" ON "AlertEvent"("status", "leaseUntil");
