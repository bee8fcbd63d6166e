import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config.error.js';

/** One environment variable, its schema and whether its value may be echoed in errors. */
export interface Setting<T> {
  variable: string;
  schema: z.ZodType<T, unknown>;
  /** Secrets are never echoed back in an error message. */
  secret?: boolean;
}

export type ConfigOf<S extends Record<string, Setting<unknown>>> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

/** Declares a setting read from `variable`. */
export function setting<T>(variable: string, schema: z.ZodType<T, unknown>, opts: { secret?: boolean } = {}): Setting<T> {
  return { variable, schema, secret: opts.secret };
}

/**
 * Reads and validates every setting once. The only place that reads
 * `process.env`; services receive the typed, frozen result.
 * @throws ConfigError naming each variable that is missing or malformed.
 */
export function loadConfig<S extends Record<string, Setting<unknown>>>(
  spec: S,
  env: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const issues: ConfigIssue[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.variable];
    // An empty string is treated as unset so `FOO= npm start` falls back to the default.
    const result = s.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) {
      out[key] = result.data;
    } else {
      const reason = result.error.issues.map((i) => i.message).join(', ');
      const shown = s.secret || raw === undefined ? '' : ` (got ${JSON.stringify(raw)})`;
      issues.push({ variable: s.variable, message: `${reason}${shown}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(out) as ConfigOf<S>;
}
