// Types for hub.mjs (used by the end-to-end tests).
import type { ChildProcess } from 'node:child_process';

export interface StartedHub {
  brokers: string;
  /** The broker's super user (SASL), for tools and fault injection; undefined for a PLAINTEXT broker. */
  kafkaSasl?: { mechanism: 'scram-sha-512'; username: string; password: string; passwordFile: string };
  /** Each service's own Kafka principal (username = service name), when the broker requires SASL. */
  kafkaPrincipals?: Record<string, { mechanism: string; username: string; passwordFile: string }>;
  databaseUrl: string;
  ports: Record<string, number>;
  credentialsFile: string;
  pkiDir: string;
  env: Record<string, string>;
  children: Map<string, { proc: ChildProcess; exited: Promise<number | string | null>; port: number; exitedWith?: number | string | null }>;
  startService(name: string): ChildProcess;
  /** Kills one service process (default SIGKILL) and resolves with how it exited. */
  killService(name: string, signal?: NodeJS.Signals): Promise<number | string | null>;
  /** How many times each service's process exited while the hub ran (kills and crashes; not the final stop). */
  exits(): Record<string, number>;
  waitForReady(name: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartHubOptions {
  log?: (m: string) => void;
  env?: Record<string, string>;
  services?: string[];
  quietServices?: boolean;
  databaseUrl?: string;
  pkiDir?: string;
  credentialsFile?: string;
  /** Registry seed file (default infra/partners/telemark.json). */
  seedFile?: string;
  portBase?: number;
  /** Append each service's stdout and stderr to <logDir>/<service>.log. */
  logDir?: string;
  /** How long a service may take to become ready (default 150 s). */
  readyTimeoutMs?: number;
}

export function startHub(opts?: StartHubOptions): Promise<StartedHub>;
export function discoverServices(): string[];
export function portVariable(service: string): string;
