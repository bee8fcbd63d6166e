import { z } from 'zod';
import { databaseUrl, durationMs, setting } from '@hub/config';

/** A comma-separated list of HER-ids (empty or unset = none). */
const herIdList = z
  .string()
  .default('')
  .refine((v) => v.split(',').every((x) => x.trim() === '' || /^\d{1,9}$/.test(x.trim())), 'a comma-separated list of HER-ids')
  .transform((v) => v.split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number));

/** Settings every simulated EPJ shares (docs/simulators.md). */
export const epjSimSettings = {
  databaseUrl,
  /** Base URL of the hub's intake API. */
  intakeUrl: setting('INTAKE_URL', z.string().url().default('http://127.0.0.1:3000')),
  /** Test PKI (or real keys): `ca.cert.pem` and `<herId>/encryption.key.pem`. */
  pkiDir: setting('PKI_DIR', z.string().min(1).default('.data/pki')),
  /** The tokens `npm run setup` wrote. */
  credentialsFile: setting('CREDENTIALS_FILE', z.string().min(1).default('.data/secrets/credentials.json')),
  /** Where the simulated vendor systems keep their files (Gerica's import folders). */
  epjDataDir: setting('EPJ_DATA_DIR', z.string().min(1).default('.data/epj')),
  /**
   * The patient register: a JSON array of person ids (every party served), or an object
   * `{ "<party HER-id>": [person ids] }` (parties not listed know every patient). Unset = every
   * patient is known.
   */
  knownPatientsFile: setting('EPJ_KNOWN_PATIENTS_FILE', z.string().min(1).optional()),
  /**
   * What a receiver does with a patient it does not know (docs/simulators.md "Unknown patient"):
   * `warn-and-hold` (default: positive AppRec, held for manual linking with a warning) or
   * `reject` (negative AppRec E35).
   */
  unknownPatient: setting('EPJ_UNKNOWN_PATIENT', z.enum(['warn-and-hold', 'reject']).default('warn-and-hold')),
  /** Parties (organisation HER-ids, comma-separated) that reject unknown patients whatever EPJ_UNKNOWN_PATIENT says. */
  unknownPatientRejectParties: setting('EPJ_UNKNOWN_PATIENT_REJECT', herIdList),
  /**
   * Fault injection (demo, tests): parties (organisation HER-ids) whose EPJ never answers. Their
   * inbox is drained, nothing is filed and no AppRec is sent, so the sender's receipts stay open.
   */
  silentParties: setting('EPJ_SILENT_MUNICIPALITIES', herIdList),
  /** Keyed hash secret for `journal_entry.patient_key` (same as the ledger's); unset = no key stored. */
  patientKeySecret: setting('PATIENT_KEY_SECRET', z.string().min(32).optional(), { secret: true }),
};

/** The hospital simulator's own settings. */
export const hospitalEpjSettings = {
  /** How long a stay waits for the INNLEGGELSESRAPPORT or an AppRec before it goes on. */
  replyTimeoutMs: durationMs('HOSPITAL_EPJ_REPLY_TIMEOUT_MS', 120_000),
  /** Wait for each message's AppRec before the next step (keeps the chain order end to end). */
  awaitAppRecs: setting('HOSPITAL_EPJ_AWAIT_APPRECS', z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
  /** Organisation HER-id of the hospital it plays (Sykehuset Telemark). */
  hospitalHerId: setting('HOSPITAL_EPJ_HER_ID', z.coerce.number().int().positive().default(9100000)),
};
