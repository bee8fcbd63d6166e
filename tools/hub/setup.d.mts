// Types for setup.mjs (used by tests).
export const root: string;

export interface KafkaPrincipalLogin {
  mechanism: string;
  username: string;
  passwordFile: string;
}

export function ensureKafkaPrincipals(opts: {
  brokers: string;
  sasl: { mechanism: string; username: string; password: string };
  topicPrefix?: string;
  secretsDir?: string;
  parties: Array<{ herId: number; epjSystem: string; kind?: string }>;
  log?: (m: string) => void;
}): Promise<Record<string, KafkaPrincipalLogin>>;

export function setupHub(opts: {
  databaseUrl: string;
  pkiDir?: string;
  credentialsFile?: string;
  seedFile?: string;
  patientKeyFile?: string;
  documentKeyFile?: string;
  log?: (m: string) => void;
  kafka?: { brokers: string; sasl?: { mechanism: string; username: string; password: string }; topicPrefix?: string; secretsDir?: string };
}): Promise<{ parties: number; credentialsFile: string; pkiDir: string; patientKeySecret: string; documentKey: string; kafkaPrincipals?: Record<string, KafkaPrincipalLogin> }>;
