// Types for hub.mjs (used by the end-to-end tests).
import type { ChildProcess } from 'node:child_process';

export interface StartedHub {
  brokers: string;
  databaseUrl: string;
  ports: Record<string, number>;
  credentialsFile: string;
  pkiDir: string;
  env: Record<string, string>;
  children: Map<string, { proc: ChildProcess; exited: Promise<number | string | null>; port: number; exitedWith?: number | string | null }>;
  startService(name: string): ChildProcess;
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
  portBase?: number;
}

export function startHub(opts?: StartHubOptions): Promise<StartedHub>;
export function discoverServices(): string[];
export function portVariable(service: string): string;
