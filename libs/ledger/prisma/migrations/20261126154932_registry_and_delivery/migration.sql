-- CreateEnum
CREATE TYPE "party_kind" AS ENUM ('HOSPITAL', 'MUNICIPALITY', 'GP_OFFICE');

-- CreateEnum
CREATE TYPE "party_status" AS ENUM ('ACTIVE', 'DOWN', 'SUSPENDED');

-- CreateEnum
CREATE TYPE "credential_role" AS ENUM ('PARTY', 'OPERATOR');

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "content_hash" CHAR(64),
ADD COLUMN     "forsendelsesstatus" CHAR(1),
ADD COLUMN     "gen_date" TIMESTAMPTZ(3),
ADD COLUMN     "ref_to_parent" UUID;

-- CreateTable
CREATE TABLE "party" (
    "her_id" INTEGER NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "kind" "party_kind" NOT NULL,
    "org_number" VARCHAR(9),
    "epj_system" VARCHAR(64) NOT NULL,
    "transport" VARCHAR(32) NOT NULL DEFAULT 'hub-inbox',
    "meldingsansvarlig_email" VARCHAR(254) NOT NULL,
    "webhook_url" VARCHAR(2000),
    "status" "party_status" NOT NULL DEFAULT 'ACTIVE',
    "status_reason" VARCHAR(500),
    "status_changed_at" TIMESTAMPTZ(3),
    "test_data" BOOLEAN NOT NULL DEFAULT true,
    "signing_cert_pem" TEXT,
    "encryption_cert_pem" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "party_pkey" PRIMARY KEY ("her_id")
);

-- CreateTable
CREATE TABLE "party_service" (
    "her_id" INTEGER NOT NULL,
    "party_her_id" INTEGER NOT NULL,
    "name" VARCHAR(200) NOT NULL,

    CONSTRAINT "party_service_pkey" PRIMARY KEY ("her_id")
);

-- CreateTable
CREATE TABLE "party_credential" (
    "id" UUID NOT NULL,
    "party_her_id" INTEGER,
    "role" "credential_role" NOT NULL,
    "label" VARCHAR(200) NOT NULL,
    "token_hash" CHAR(64) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "party_credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_key" (
    "sender_her_id" INTEGER NOT NULL,
    "key" VARCHAR(200) NOT NULL,
    "request_hash" CHAR(64) NOT NULL,
    "msg_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("sender_her_id","key")
);

-- CreateTable
CREATE TABLE "held_delivery" (
    "seq" BIGSERIAL NOT NULL,
    "msg_id" UUID NOT NULL,
    "receiver_her_id" INTEGER NOT NULL,
    "conversation_id" VARCHAR(64) NOT NULL,
    "delivery" JSONB NOT NULL,
    "held_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "released_at" TIMESTAMPTZ(3),

    CONSTRAINT "held_delivery_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "journal_entry" (
    "id" BIGSERIAL NOT NULL,
    "system" VARCHAR(32) NOT NULL,
    "party_her_id" INTEGER NOT NULL,
    "msg_id" UUID NOT NULL,
    "msg_type" VARCHAR(64) NOT NULL,
    "patient_key" CHAR(64),
    "filed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journal_entry_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "party_service_party_her_id_idx" ON "party_service"("party_her_id");

-- CreateIndex
CREATE UNIQUE INDEX "party_credential_token_hash_key" ON "party_credential"("token_hash");

-- CreateIndex
CREATE INDEX "party_credential_party_her_id_idx" ON "party_credential"("party_her_id");

-- CreateIndex
CREATE INDEX "held_delivery_receiver_her_id_released_at_seq_idx" ON "held_delivery"("receiver_her_id", "released_at", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "held_delivery_msg_id_receiver_her_id_key" ON "held_delivery"("msg_id", "receiver_her_id");

-- CreateIndex
CREATE UNIQUE INDEX "journal_entry_party_her_id_msg_id_key" ON "journal_entry"("party_her_id", "msg_id");

-- AddForeignKey
ALTER TABLE "party_service" ADD CONSTRAINT "party_service_party_her_id_fkey" FOREIGN KEY ("party_her_id") REFERENCES "party"("her_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "party_credential" ADD CONSTRAINT "party_credential_party_her_id_fkey" FOREIGN KEY ("party_her_id") REFERENCES "party"("her_id") ON DELETE CASCADE ON UPDATE CASCADE;
