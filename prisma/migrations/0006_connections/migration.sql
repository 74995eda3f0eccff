-- Help-desk connections synced by `npm run sync` and the server's sync scheduler.
-- The scheduler finds due connections through "Connection_nextSyncAt_idx"
-- (nextSyncAt <= now, claimed with a lease in "leaseUntil"). "cursor" holds each
-- stream's resume point; it is written in the same transaction as the page it follows,
-- so a crash resumes after the last committed page. "credentials" is AES-256-GCM
-- ciphertext (key from SYNC_ENCRYPTION_KEY), null for connections run from the command
-- line with credentials given there.

-- CreateEnum
CREATE TYPE "ConnectionKind" AS ENUM ('ZENDESK', 'FRESHDESK');
CREATE TYPE "ConnectionStatus" AS ENUM ('NEVER_RUN', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "Connection" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "ConnectionKind" NOT NULL,
    "account" TEXT NOT NULL,
    "baseUrl" TEXT,
    "credentials" TEXT,
    "startTime" TIMESTAMPTZ(3),
    "intervalMinutes" INTEGER NOT NULL DEFAULT 60,
    "cursor" JSONB NOT NULL DEFAULT '{}',
    "status" "ConnectionStatus" NOT NULL DEFAULT 'NEVER_RUN',
    "error" TEXT,
    "lastSyncAt" TIMESTAMPTZ(3),
    "ticketsSynced" INTEGER NOT NULL DEFAULT 0,
    "nextSyncAt" TIMESTAMPTZ(3),
    "leaseUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Connection_name_key" ON "Connection"("name");
CREATE INDEX "Connection_nextSyncAt_idx" ON "Connection"("nextSyncAt");
