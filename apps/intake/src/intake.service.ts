import { z } from 'zod';
import { ConfigError, databaseUrl, httpPort, setting, type ConfigOf } from '@hub/config';
import { Topics } from '@hub/contracts';
import { DEFAULT_HELD_AFTER_MS, DocumentVault } from '@hub/documents';
import { DEFAULT_INTAKE_RATE_LIMIT, DEFAULT_OUTBOX_SWEEP, IntakeModule } from '@hub/intake';
import { getLogger } from '@hub/observability';
import type { ServiceDefinition } from '@hub/service-host';

/** 10 MB: the validator's maximum document size (DEFAULT_XML_LIMITS.maxBytes). */
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * DEVELOPMENT ONLY. Used when PATIENT_KEY_SECRET is unset and NODE_ENV is not `production`
 * (where it is refused): patient keys made with it are reproducible by anyone with the source.
 */
export const DEV_PATIENT_KEY_SECRET = 'dev-only-patient-key-secret-NOT-FOR-PRODUCTION';

/**
 * DEVELOPMENT ONLY. The document key used when DOCUMENT_KEY is unset and NODE_ENV is not
 * `production` (where it is refused): documents encrypted with it are readable by anyone with
 * the source. 32 bytes, hex.
 */
export const DEV_DOCUMENT_KEY = Buffer.from('dev-only-document-key-NOT-FOR-PROD', 'utf8').subarray(0, 32).toString('hex');

export const intakeSettings = {
  httpPort: httpPort('INTAKE_PORT', 3000),
  databaseUrl,
  /** HMAC secret of the ledger's patient keys (PatientKeyHasher): at least 32 bytes. */
  patientKeySecret: setting('PATIENT_KEY_SECRET', z.string().min(32, 'must be at least 32 characters').optional(), { secret: true }),
  /** AES-256-GCM key of the encrypted document store (message_document): 32 bytes, base64 or hex. */
  documentKey: setting('DOCUMENT_KEY', z.string().optional(), { secret: true }),
  /** Earlier document keys, comma-separated, still needed to read documents stored before a rotation. */
  previousDocumentKeys: setting('DOCUMENT_KEYS_PREVIOUS', z.string().optional(), { secret: true }),
  /** A delivery held (receiver down) longer than this makes the message printable for manual handling. */
  manualFallbackHeldAfterMs: setting('MANUAL_FALLBACK_HELD_AFTER_MS', z.coerce.number().int().nonnegative().default(DEFAULT_HELD_AFTER_MS)),
  nodeEnv: setting('NODE_ENV', z.string().default('development')),
  /** Largest request body / document in bytes; default 10 MB, the validator's limit. */
  bodyLimitBytes: setting('INTAKE_BODY_LIMIT_BYTES', z.coerce.number().int().positive().default(DEFAULT_BODY_LIMIT)),
  /** Per-party sustained API requests per second (token bucket, per replica); 0 turns the limit off. */
  rateLimitPerS: setting('INTAKE_RATE_LIMIT_PER_S', z.coerce.number().nonnegative().default(DEFAULT_INTAKE_RATE_LIMIT.ratePerSecond)),
  /** Per-party burst: requests allowed at once after being idle. */
  rateLimitBurst: setting('INTAKE_RATE_LIMIT_BURST', z.coerce.number().int().min(1).default(DEFAULT_INTAKE_RATE_LIMIT.burst)),
  /** A recorded message with nothing after intake in its trace for this long is published again (outbox sweep). */
  republishAfterMs: setting('INTAKE_REPUBLISH_AFTER_MS', z.coerce.number().int().min(1000).default(DEFAULT_OUTBOX_SWEEP.republishAfterMs)),
  /** How often the outbox sweep looks. */
  sweepIntervalMs: setting('INTAKE_SWEEP_INTERVAL_MS', z.coerce.number().int().min(100).default(DEFAULT_OUTBOX_SWEEP.intervalMs)),
};

/** The patient key secret, or the marked development default; refused in production. */
export function patientKeySecretOf(config: Pick<ConfigOf<typeof intakeSettings>, 'patientKeySecret' | 'nodeEnv'>): string {
  if (config.patientKeySecret) return config.patientKeySecret;
  if (config.nodeEnv === 'production') {
    throw new ConfigError([{ variable: 'PATIENT_KEY_SECRET', message: 'required when NODE_ENV=production (the development default is refused)' }]);
  }
  getLogger('IntakeService').warn('PATIENT_KEY_SECRET is not set: using the DEVELOPMENT default; never run production like this');
  return DEV_PATIENT_KEY_SECRET;
}

/** The document vault from DOCUMENT_KEY (+ DOCUMENT_KEYS_PREVIOUS), or the marked development key; refused in production. */
export function documentVaultOf(config: Pick<ConfigOf<typeof intakeSettings>, 'documentKey' | 'previousDocumentKeys' | 'nodeEnv'>): DocumentVault {
  const previous = (config.previousDocumentKeys ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  let current = config.documentKey;
  if (!current) {
    if (config.nodeEnv === 'production') {
      throw new ConfigError([{ variable: 'DOCUMENT_KEY', message: 'required when NODE_ENV=production (the development default is refused)' }]);
    }
    getLogger('IntakeService').warn('DOCUMENT_KEY is not set: using the DEVELOPMENT document key; never run production like this');
    current = DEV_DOCUMENT_KEY;
  }
  try {
    return DocumentVault.fromSecrets(current, previous);
  } catch (err) {
    const variable = String((err as { metadata?: { variable?: unknown } }).metadata?.variable ?? 'DOCUMENT_KEY');
    throw new ConfigError([{ variable, message: 'must be 32 bytes as 64 hex characters or base64 (43-44 characters)' }]);
  }
}

/** Intake: the hub's front door (REST API, OpenAPI docs, the EPJ event topic). */
export const intakeService: ServiceDefinition<typeof intakeSettings> = {
  name: 'intake',
  settings: intakeSettings,
  module: (config, kafka) =>
    IntakeModule.forRoot({
      kafka,
      databaseUrl: config.databaseUrl,
      patientKeySecret: patientKeySecretOf(config),
      documents: documentVaultOf(config),
      manualFallbackHeldAfterMs: config.manualFallbackHeldAfterMs,
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimit: { ratePerSecond: config.rateLimitPerS, burst: config.rateLimitBurst },
      outboxSweep: { republishAfterMs: config.republishAfterMs, intervalMs: config.sweepIntervalMs },
    }),
  produces: [Topics.MessagesAccepted, Topics.AppRecsSubmitted, Topics.EpjEvents],
  consumerGroup: 'intake',
};
