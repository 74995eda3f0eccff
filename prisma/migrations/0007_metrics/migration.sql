-- Metrics a support manager misses (issue 12): one rounding rule for business and
-- calendar seconds, SLA "not computed" told apart from "no policy", and ticket facts
-- derived from the event history (who solved, who first replied, first solve, reopen
-- reply, requester wait and on-hold time) so the KPI engine reads them from the row.

-- Business seconds keep milliseconds like calendar seconds do (they were truncated to
-- whole seconds, so on 24/7 tickets 591 business vs 591.323 calendar seconds).
ALTER TABLE "Ticket" ALTER COLUMN "firstResponseBusinessSeconds" TYPE DOUBLE PRECISION,
                     ALTER COLUMN "resolutionBusinessSeconds" TYPE DOUBLE PRECISION;

-- When the SLA columns were last computed; null: never (bulk load, or written before
-- this migration): the API reports such tickets as not computed, never as "no policy",
-- and the server recomputes them at start.
ALTER TABLE "Ticket" ADD COLUMN "slaComputedAt" TIMESTAMPTZ(3);

-- Facts derived from TicketEvent rows on ingest (null eventFactsAt: not derived yet;
-- the engine then falls back to the current assignee).
ALTER TABLE "Ticket" ADD COLUMN "eventFactsAt" TIMESTAMPTZ(3),
                     ADD COLUMN "solvedById" INTEGER,
                     ADD COLUMN "firstResponderId" INTEGER,
                     ADD COLUMN "firstSolvedAt" TIMESTAMPTZ(3),
                     ADD COLUMN "firstReopenedAt" TIMESTAMPTZ(3),
                     ADD COLUMN "reopenReplyAt" TIMESTAMPTZ(3),
                     ADD COLUMN "requesterWaitSeconds" DOUBLE PRECISION,
                     ADD COLUMN "onHoldSeconds" DOUBLE PRECISION;

-- A survey invitation, so a response rate has a denominator.
ALTER TYPE "TicketEventType" ADD VALUE 'SURVEY_SENT';

-- CreateIndex
-- per-agent solved metrics (AGENT = assignee at solve time) and their entity pages
CREATE INDEX "Ticket_solvedById_solvedAt_idx" ON "Ticket"("solvedById", "solvedAt");
-- per-agent first-response metrics (AGENT = author of the first public reply)
CREATE INDEX "Ticket_firstResponderId_firstResponseAt_idx" ON "Ticket"("firstResponderId", "firstResponseAt");
-- firstResolutionTime, placed by the first solve
CREATE INDEX "Ticket_firstSolvedAt_idx" ON "Ticket"("firstSolvedAt");
-- firstReplyAfterReopenTime, placed by that reply
CREATE INDEX "Ticket_reopenReplyAt_idx" ON "Ticket"("reopenReplyAt");
-- replies / next-reply time / surveys sent: events of one type in a range
CREATE INDEX "TicketEvent_type_occurredAt_idx" ON "TicketEvent"("type", "occurredAt");

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_solvedById_fkey" FOREIGN KEY ("solvedById") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_firstResponderId_fkey" FOREIGN KEY ("firstResponderId") REFERENCES "Agent"("id") ON DELETE SET NULL ON UPDATE CASCADE;
