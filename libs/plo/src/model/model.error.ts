/**
 * Error raised by the model parsers and builders. `code` is stable and namespaced
 * (`MODEL.NOT_MSGHEAD`, …) because `instanceof` does not survive a process boundary.
 * Messages never contain a person number.
 */
export class ModelError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: `MODEL.${string}`,
    message: string,
    readonly metadata: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }
}
