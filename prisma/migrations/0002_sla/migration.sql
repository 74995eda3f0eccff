-- Business hours and SLA. A calendar's open time is materialised as rows of UTC
-- instants [start, end) with the open milliseconds before each row, so the business
-- time between two instants and a business-time deadline are index lookups in SQL and
-- a policy or calendar change recomputes a million tickets with set-based UPDATEs.

-- The span of instants the materialised intervals cover (null: not materialised yet).
ALTER TABLE "BusinessCalendar" ADD COLUMN "openIntervalsFrom" TIMESTAMPTZ(3),
                               ADD COLUMN "openIntervalsTo" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "BusinessCalendarInterval" (
    "calendarId" INTEGER NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "end" TIMESTAMPTZ(3) NOT NULL,
    "openBeforeMs" BIGINT NOT NULL,
    CONSTRAINT "BusinessCalendarInterval_pkey" PRIMARY KEY ("calendarId", "start")
);

-- CreateIndex
-- open time until an instant: the primary key, read backwards from the instant
-- deadline lookup: the interval in which the running open time reaches the target
CREATE INDEX "BusinessCalendarInterval_calendarId_openBeforeMs_idx" ON "BusinessCalendarInterval"("calendarId", "openBeforeMs");
-- slaAtRisk: tickets whose deadline falls within the next `within`, soonest first
CREATE INDEX "Ticket_firstResponseDueAt_idx" ON "Ticket"("firstResponseDueAt");
CREATE INDEX "Ticket_resolutionDueAt_idx" ON "Ticket"("resolutionDueAt");

-- AddForeignKey
ALTER TABLE "BusinessCalendarInterval" ADD CONSTRAINT "BusinessCalendarInterval_calendarId_fkey" FOREIGN KEY ("calendarId") REFERENCES "BusinessCalendar"("id") ON DELETE CASCADE ON UPDATE CASCADE;
