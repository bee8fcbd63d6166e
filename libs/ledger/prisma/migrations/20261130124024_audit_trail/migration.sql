-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "service" VARCHAR(64) NOT NULL,
    "actor" VARCHAR(100) NOT NULL,
    "action" VARCHAR(200) NOT NULL,
    "outcome" VARCHAR(16) NOT NULL,
    "code" VARCHAR(64) NOT NULL,
    "subject" UUID,
    "detail" JSONB,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_event_at_idx" ON "audit_event"("at");

-- CreateIndex
CREATE INDEX "audit_event_actor_at_idx" ON "audit_event"("actor", "at");

-- CreateIndex
CREATE INDEX "audit_event_subject_idx" ON "audit_event"("subject");

-- Append-only audit trail: access_log (who read which message, PDF fallback included) and
-- audit_event (refused and failed API requests) can be inserted into and read, never
-- changed. The trigger fires for every role, the table owner and the app's role included.
-- Only a superuser can get past it (SET session_replication_role = replica, used by the
-- test helper truncateLedger) or drop it: production runs the services as a non-superuser.
-- The migration runner splits scripts on semicolons (docs/database.md), so the PL/pgSQL
-- body writes its one semicolon as the escape \x3B inside an E'' string.
CREATE FUNCTION "hub_refuse_audit_change"() RETURNS trigger LANGUAGE plpgsql AS
E'BEGIN RAISE EXCEPTION ''% is append-only: % refused'', TG_TABLE_NAME, TG_OP USING ERRCODE = ''insufficient_privilege'', HINT = ''audit rows are never changed or deleted (docs/security.md)''\x3B END'
;

CREATE TRIGGER "access_log_append_only" BEFORE UPDATE OR DELETE ON "access_log"
  FOR EACH ROW EXECUTE FUNCTION "hub_refuse_audit_change"();

CREATE TRIGGER "access_log_no_truncate" BEFORE TRUNCATE ON "access_log"
  FOR EACH STATEMENT EXECUTE FUNCTION "hub_refuse_audit_change"();

CREATE TRIGGER "audit_event_append_only" BEFORE UPDATE OR DELETE ON "audit_event"
  FOR EACH ROW EXECUTE FUNCTION "hub_refuse_audit_change"();

CREATE TRIGGER "audit_event_no_truncate" BEFORE TRUNCATE ON "audit_event"
  FOR EACH STATEMENT EXECUTE FUNCTION "hub_refuse_audit_change"();
