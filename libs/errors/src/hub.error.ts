/**
 * Base error of the hub. `code` is stable and namespaced (`VALIDATION.XSD_INVALID`)
 * or a kodeverk 8221 code where one applies (`T02`, `E10`), because `instanceof`
 * does not survive a process or Kafka boundary while a code does. `retriable`
 * tells a consumer whether trying the same input again can succeed (a database
 * that is down) or never will (a schema-invalid document).
 */
export class HubError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    opts: { retriable?: boolean; cause?: unknown; metadata?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.metadata = Object.freeze({ ...(opts.metadata ?? {}) });
  }

  /** A plain object for logs, HTTP bodies and dead-letter headers. */
  toJSON(): { code: string; message: string; retriable: boolean; metadata: Record<string, unknown> } {
    return { code: this.code, message: this.message, retriable: this.retriable, metadata: { ...this.metadata } };
  }

  /** Wraps anything thrown into a HubError; unknown errors keep their cause. */
  static from(err: unknown, fallbackCode = HubErrorCodes.Unhandled): HubError {
    if (err instanceof HubError) return err;
    if (err instanceof Error) return new HubError(fallbackCode, err.message, { cause: err, retriable: false });
    return new HubError(fallbackCode, String(err), { retriable: false });
  }

  /** True for errors we did not classify: the code is the unhandled fallback. */
  static isUnclassified(err: HubError): boolean {
    return err.code === HubErrorCodes.Unhandled;
  }
}

/** Hub-wide error codes that are not tied to one service. */
export const HubErrorCodes = {
  Unhandled: 'HUB.UNHANDLED',
  BadPayload: 'HUB.BAD_PAYLOAD',
  UnknownTopic: 'HUB.UNKNOWN_TOPIC',
  DependencyUnavailable: 'HUB.DEPENDENCY_UNAVAILABLE',
} as const;
