/** One configuration variable that failed validation. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * Thrown once at boot when configuration is invalid. The message names every
 * failing variable so an operator can fix them all in one go.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  readonly retriable = false;

  constructor(readonly issues: ConfigIssue[]) {
    super(`Invalid configuration: ${issues.map((i) => `${i.variable}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}
