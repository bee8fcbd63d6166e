-- CreateTable
CREATE TABLE "dead_letter_replay" (
    "dlq_topic" VARCHAR(255) NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "original_topic" VARCHAR(255) NOT NULL,
    "event_id" VARCHAR(200),
    "error_code" VARCHAR(64),
    "claimed_by" VARCHAR(64) NOT NULL,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "replayed_at" TIMESTAMPTZ(3),

    CONSTRAINT "dead_letter_replay_pkey" PRIMARY KEY ("dlq_topic","partition","offset")
);
