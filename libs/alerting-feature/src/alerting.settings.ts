import { z } from 'zod';
import { databaseUrl, durationMs, httpPort, setting, type ConfigOf } from '@hub/config';

const HOUR = 3600_000;
const ADDRESS = /^[^@\s<>]+@[^@\s<>]+$/;

/** The alerting service's settings (validated once at boot, see @hub/config). */
export const alertingSettings = {
  httpPort: httpPort('ALERTING_PORT', 3005),
  databaseUrl,
  /** `smtp://host:port`, `smtps://user:pass@host:port`, or `log:` to only log what would be sent (no SMTP server). */
  smtpUrl: setting(
    'SMTP_URL',
    z
      .string()
      .default('smtp://127.0.0.1:2525')
      .refine((s) => s === 'log:' || (/^smtps?:\/\/\S+$/.test(s) && URL.canParse(s)), { message: 'expected smtp://host:port, smtps://… or log:' }),
    { secret: true },
  ),
  /** From address of every notice. */
  alertFrom: setting('ALERT_FROM', z.string().min(3).default('Samhandling hub <varsel@samhandling-hub.test>')),
  /** Hub operations (drift): unmatched AppRecs, suspected outages, alerts for parties the registry does not know. */
  operationsEmail: setting('ALERT_OPERATIONS_EMAIL', z.string().regex(ADDRESS, 'expected an e-mail address').default('drift@samhandling-hub.test')),
  /** One reminder when a remindable alert is still unresolved this long after it was sent. */
  reminderAfterMs: durationMs('ALERT_REMINDER_AFTER_MS', 24 * HOUR),
  /** How often unsent alerts, all-clears and due reminders are retried. */
  retryIntervalMs: durationMs('ALERT_RETRY_INTERVAL_MS', 30_000),
  /** Certificate expiry scan period; it also runs once at start. */
  certScanIntervalMs: durationMs('CERT_SCAN_INTERVAL_MS', 24 * HOUR),
  /** Silence: no AppRec / no inbox progress for this long flags a suspected outage. */
  silenceAfterMs: durationMs('SILENCE_AFTER_MS', 4 * HOUR),
  /** How often silence detection and planned-downtime activation run. */
  silenceScanIntervalMs: durationMs('SILENCE_SCAN_INTERVAL_MS', 60_000),
  /** Consumer groups of the EPJ adapters that drain the inbox topics (before any topic prefix). */
  inboxConsumerGroups: setting(
    'INBOX_CONSUMER_GROUPS',
    z
      .string()
      .default('epj-dips,epj-gerica,epj-profil')
      .transform((s) => s.split(',').map((g) => g.trim()).filter(Boolean)),
  ),
  /** Time limit of one webhook POST. */
  webhookTimeoutMs: durationMs('ALERT_WEBHOOK_TIMEOUT_MS', 5000),
};

export type AlertingConfig = ConfigOf<typeof alertingSettings>;
