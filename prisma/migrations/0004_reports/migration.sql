-- Saved reports and their runs. The scheduler finds due reports through
-- "Report_nextRunAt_idx" (nextRunAt <= now, claimed FOR UPDATE SKIP LOCKED), claims
-- pending or abandoned runs through "ReportRun_status_leaseUntil_idx", and lists a
-- report's runs newest first through "ReportRun_reportId_id_idx". The unique
-- (reportId, scheduledFor) key makes a cron slot run once even when two processes
-- see it due at the same time.

-- CreateEnum
CREATE TYPE "ExportFormat" AS ENUM ('CSV', 'XLSX', 'JSON');
CREATE TYPE "RelativeRange" AS ENUM ('TODAY', 'YESTERDAY', 'LAST_7_DAYS', 'LAST_WEEK', 'LAST_MONTH', 'MONTH_TO_DATE', 'QUARTER_TO_DATE', 'LAST_N_DAYS');
CREATE TYPE "ReportRunStatus" AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED');
CREATE TYPE "ReportRunTrigger" AS ENUM ('SCHEDULE', 'MANUAL');

-- CreateTable
CREATE TABLE "Report" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "query" TEXT NOT NULL,
    "variables" JSONB,
    "format" "ExportFormat" NOT NULL,
    "range" "RelativeRange",
    "lastDays" INTEGER,
    "timeZone" TEXT NOT NULL DEFAULT 'UTC',
    "schedule" TEXT,
    "destinations" JSONB NOT NULL DEFAULT '[]',
    "tokenHash" TEXT NOT NULL,
    "ownerRole" TEXT NOT NULL,
    "ownerAllTeams" BOOLEAN NOT NULL DEFAULT true,
    "ownerTeamIds" INTEGER[] DEFAULT ARRAY[]::INTEGER[],
    "ownerTokenId" INTEGER,
    "nextRunAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReportRun" (
    "id" SERIAL NOT NULL,
    "reportId" INTEGER NOT NULL,
    "trigger" "ReportRunTrigger" NOT NULL,
    "scheduledFor" TIMESTAMPTZ(3),
    "status" "ReportRunStatus" NOT NULL DEFAULT 'PENDING',
    "rangeFrom" TIMESTAMPTZ(3),
    "rangeTo" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMPTZ(3),
    "finishedAt" TIMESTAMPTZ(3),
    "leaseUntil" TIMESTAMPTZ(3),
    "claims" INTEGER NOT NULL DEFAULT 0,
    "rows" INTEGER,
    "bytes" INTEGER,
    "deliveries" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,

    CONSTRAINT "ReportRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Report_nextRunAt_idx" ON "Report"("nextRunAt");
CREATE UNIQUE INDEX "ReportRun_reportId_scheduledFor_key" ON "ReportRun"("reportId", "scheduledFor");
CREATE INDEX "ReportRun_reportId_id_idx" ON "ReportRun"("reportId", "id");
CREATE INDEX "ReportRun_status_leaseUntil_idx" ON "ReportRun"("status", "leaseUntil");

-- AddForeignKey
ALTER TABLE "ReportRun" ADD CONSTRAINT "ReportRun_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "Report"("id") ON DELETE CASCADE ON UPDATE CASCADE;
