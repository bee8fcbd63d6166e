-- CreateEnum
CREATE TYPE "receipt_status" AS ENUM ('OPEN', 'OK', 'REJECTED', 'PARTIAL');

-- CreateTable
CREATE TABLE "receipt_expectation" (
    "msg_id" UUID NOT NULL,
    "receiver_her_id" INTEGER NOT NULL,
    "conversation_id" VARCHAR(64) NOT NULL,
    "sender_her_id" INTEGER NOT NULL,
    "msg_type" VARCHAR(64) NOT NULL,
    "gen_date" TIMESTAMPTZ(3) NOT NULL,
    "status" "receipt_status" NOT NULL DEFAULT 'OPEN',
    "opened_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "warn_due_at" TIMESTAMPTZ(3) NOT NULL,
    "overdue_at" TIMESTAMPTZ(3) NOT NULL,
    "warned_at" TIMESTAMPTZ(3),
    "overdue_marked_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "apprec_id" UUID,
    "errors" JSONB,

    CONSTRAINT "receipt_expectation_pkey" PRIMARY KEY ("msg_id","receiver_her_id")
);

-- CreateTable
CREATE TABLE "unmatched_apprec" (
    "apprec_id" UUID NOT NULL,
    "sender_her_id" INTEGER NOT NULL,
    "original_msg_id" VARCHAR(64),
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" JSONB,

    CONSTRAINT "unmatched_apprec_pkey" PRIMARY KEY ("apprec_id")
);

-- CreateTable
CREATE TABLE "alert" (
    "id" BIGSERIAL NOT NULL,
    "dedupe_key" VARCHAR(300) NOT NULL,
    "condition" VARCHAR(64) NOT NULL,
    "party_her_id" INTEGER NOT NULL,
    "msg_id" UUID,
    "severity" VARCHAR(16) NOT NULL,
    "subject" VARCHAR(300) NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "last_reminder_at" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "all_clear_sent_at" TIMESTAMPTZ(3),
    "delivery" JSONB,

    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "downtime" (
    "id" BIGSERIAL NOT NULL,
    "party_her_id" INTEGER NOT NULL,
    "kind" VARCHAR(16) NOT NULL,
    "reason" VARCHAR(500) NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expected_end" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "declared_by" VARCHAR(64) NOT NULL,

    CONSTRAINT "downtime_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message_document" (
    "msg_id" UUID NOT NULL,
    "key_id" VARCHAR(64) NOT NULL,
    "iv" BYTEA NOT NULL,
    "auth_tag" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_document_pkey" PRIMARY KEY ("msg_id")
);

-- CreateTable
CREATE TABLE "access_log" (
    "id" BIGSERIAL NOT NULL,
    "msg_id" UUID,
    "credential_id" VARCHAR(64) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "party_her_id" INTEGER,
    "action" VARCHAR(64) NOT NULL,
    "outcome" VARCHAR(32) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "receipt_expectation_status_warn_due_at_idx" ON "receipt_expectation"("status", "warn_due_at");

-- CreateIndex
CREATE INDEX "receipt_expectation_status_overdue_at_idx" ON "receipt_expectation"("status", "overdue_at");

-- CreateIndex
CREATE INDEX "receipt_expectation_receiver_her_id_status_idx" ON "receipt_expectation"("receiver_her_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "alert_dedupe_key_key" ON "alert"("dedupe_key");

-- CreateIndex
CREATE INDEX "alert_party_her_id_created_at_idx" ON "alert"("party_her_id", "created_at");

-- CreateIndex
CREATE INDEX "alert_resolved_at_condition_idx" ON "alert"("resolved_at", "condition");

-- CreateIndex
CREATE INDEX "downtime_party_her_id_ended_at_idx" ON "downtime"("party_her_id", "ended_at");

-- CreateIndex
CREATE INDEX "access_log_msg_id_at_idx" ON "access_log"("msg_id", "at");

-- CreateIndex
CREATE INDEX "access_log_credential_id_at_idx" ON "access_log"("credential_id", "at");
