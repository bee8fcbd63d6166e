-- CreateEnum
CREATE TYPE "message_status" AS ENUM ('ACCEPTED', 'DELIVERED', 'ACKNOWLEDGED', 'REJECTED', 'FAILED');

-- CreateEnum
CREATE TYPE "event_outcome" AS ENUM ('SUCCEEDED', 'RETRYING', 'FAILED');

-- CreateTable
CREATE TABLE "message" (
    "msg_id" UUID NOT NULL,
    "conversation_id" VARCHAR(64) NOT NULL,
    "msg_type" VARCHAR(64) NOT NULL,
    "version" VARCHAR(32) NOT NULL,
    "sender_her_id" INTEGER NOT NULL,
    "receiver_her_ids" INTEGER[],
    "status" "message_status" NOT NULL DEFAULT 'ACCEPTED',
    "patient_key" CHAR(64),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "message_pkey" PRIMARY KEY ("msg_id")
);

-- CreateTable
CREATE TABLE "message_event" (
    "id" BIGSERIAL NOT NULL,
    "msg_id" UUID NOT NULL,
    "stage" VARCHAR(64) NOT NULL,
    "outcome" "event_outcome" NOT NULL,
    "error_code" VARCHAR(64),
    "detail" JSONB,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_event" (
    "stage" VARCHAR(64) NOT NULL,
    "event_id" VARCHAR(200) NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_event_pkey" PRIMARY KEY ("stage","event_id")
);

-- CreateIndex
CREATE INDEX "message_conversation_id_idx" ON "message"("conversation_id");

-- CreateIndex
CREATE INDEX "message_patient_key_idx" ON "message"("patient_key");

-- CreateIndex
CREATE INDEX "message_status_created_at_idx" ON "message"("status", "created_at");

-- CreateIndex
CREATE INDEX "message_event_msg_id_occurred_at_idx" ON "message_event"("msg_id", "occurred_at");

-- CreateIndex
CREATE INDEX "processed_event_processed_at_idx" ON "processed_event"("processed_at");

-- AddForeignKey
ALTER TABLE "message_event" ADD CONSTRAINT "message_event_msg_id_fkey" FOREIGN KEY ("msg_id") REFERENCES "message"("msg_id") ON DELETE CASCADE ON UPDATE CASCADE;
