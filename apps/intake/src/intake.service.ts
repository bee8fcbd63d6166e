import { z } from 'zod';
import { ConfigError, databaseUrl, httpPort, setting, type ConfigOf } from '@hub/config';
import { Topics } from '@hub/contracts';
import { IntakeModule } from '@hub/intake';
import { getLogger } from '@hub/observability';
import type { ServiceDefinition } from '@hub/service-host';

/** 10 MB: the validator's maximum document size (DEFAULT_XML_LIMITS.maxBytes). */
const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

/**
 * DEVELOPMENT ONLY. Used when PATIENT_KEY_SECRET is unset and NODE_ENV is not `production`
 * (where it is refused): patient keys made with it are reproducible by anyone with the source.
 */
export const DEV_PATIENT_KEY_SECRET = 'dev-only-patient-key-secret-NOT-FOR-PRODUCTION';

export const intakeSettings = {
  httpPort: httpPort('INTAKE_PORT', 3000),
  databaseUrl,
  /** HMAC secret of the ledger's patient keys (PatientKeyHasher): at least 32 bytes. */
  patientKeySecret: setting('PATIENT_KEY_SECRET', z.string().min(32, 'must be at least 32 characters').optional(), { secret: true }),
  nodeEnv: setting('NODE_ENV', z.string().default('development')),
  /** Largest request body / document in bytes; default 10 MB, the validator's limit. */
  bodyLimitBytes: setting('INTAKE_BODY_LIMIT_BYTES', z.coerce.number().int().positive().default(DEFAULT_BODY_LIMIT)),
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

/** Intake: the hub's front door (REST API, OpenAPI docs, the EPJ event topic). */
export const intakeService: ServiceDefinition<typeof intakeSettings> = {
  name: 'intake',
  settings: intakeSettings,
  module: (config, kafka) =>
    IntakeModule.forRoot({
      kafka,
      databaseUrl: config.databaseUrl,
      patientKeySecret: patientKeySecretOf(config),
      bodyLimitBytes: config.bodyLimitBytes,
    }),
  produces: [Topics.MessagesAccepted, Topics.AppRecsSubmitted, Topics.EpjEvents],
  consumerGroup: 'intake',
};
