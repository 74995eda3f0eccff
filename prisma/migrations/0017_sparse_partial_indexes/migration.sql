-- Import speed (issues 10 and 16). Each of the ticket table's 22 secondary indexes costs
-- an insert ~1.5 µs per row (2,000 rows into the 1 M-ticket bench database: 75 ms with
-- them, 9 ms without), and a B-tree stores an entry for NULL too. These five columns are
-- NULL for most tickets of many help desks (no reopen, no SLA policy, no category), and
-- every query that reads them through these indexes compares them with a value (a time
-- range, a policy id), which PostgreSQL proves implies IS NOT NULL: as partial indexes
-- they serve the same queries and cost a NULL row nothing. schema.prisma cannot say
-- WHERE, so it declares them as plain indexes (same names and columns).
DROP INDEX "Ticket_reopenReplyAt_idx";
CREATE INDEX "Ticket_reopenReplyAt_idx" ON "Ticket"("reopenReplyAt") WHERE "reopenReplyAt" IS NOT NULL;
DROP INDEX "Ticket_firstResponseDueAt_idx";
CREATE INDEX "Ticket_firstResponseDueAt_idx" ON "Ticket"("firstResponseDueAt") WHERE "firstResponseDueAt" IS NOT NULL;
DROP INDEX "Ticket_resolutionDueAt_idx";
CREATE INDEX "Ticket_resolutionDueAt_idx" ON "Ticket"("resolutionDueAt") WHERE "resolutionDueAt" IS NOT NULL;
DROP INDEX "Ticket_slaPolicyId_idx";
CREATE INDEX "Ticket_slaPolicyId_idx" ON "Ticket"("slaPolicyId") WHERE "slaPolicyId" IS NOT NULL;
DROP INDEX "Ticket_categoryId_idx";
CREATE INDEX "Ticket_categoryId_idx" ON "Ticket"("categoryId") WHERE "categoryId" IS NOT NULL;
