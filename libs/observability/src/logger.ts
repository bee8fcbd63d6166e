import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';
import { maskPersonIds } from '@hub/errors';

/** Structured fields for a log line. Never put a fødselsnummer or a name here. */
export type LogFields = Record<string, unknown>;

/** The hub's logger: message first, structured fields second. */
export interface Log {
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  fatal(msg: string, fields?: LogFields): void;
}

export interface LoggingOptions {
  service: string;
  level?: LevelWithSilent;
  /** Where JSON lines go; stdout by default. Tests pass a collecting stream. */
  destination?: { write(line: string): unknown };
}

/**
 * Masks person numbers in the serialised JSON line, as the last step before
 * output: whatever a caller put in a message, a field or an error stack, an
 * 11-digit person number never leaves the process in clear.
 */
function maskingStream(out: { write(line: string): unknown }): DestinationStream {
  return { write: (line: string) => void out.write(maskPersonIds(line)) };
}

let root: PinoLogger = pino({ level: 'info', base: { service: 'hub' } }, maskingStream(process.stdout));

/** Configures the process-wide root logger once at boot (main.ts). */
export function configureLogging(opts: LoggingOptions): void {
  root = pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    maskingStream(opts.destination ?? process.stdout),
  );
}

class NamedLog implements Log {
  constructor(private readonly name: string) {}

  // The child is taken per call so a logger made before configureLogging()
  // (e.g. a class-level field) still writes through the configured root.
  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', msg: string, fields?: LogFields) {
    // A line below the level costs nothing more than this test (the child below is built per call).
    if (!root.isLevelEnabled(level)) return;
    const target = root.child({ logger: this.name });
    if (fields) target[level](fields, msg);
    else target[level](msg);
  }
  trace(msg: string, fields?: LogFields) { this.write('trace', msg, fields); }
  debug(msg: string, fields?: LogFields) { this.write('debug', msg, fields); }
  info(msg: string, fields?: LogFields) { this.write('info', msg, fields); }
  warn(msg: string, fields?: LogFields) { this.write('warn', msg, fields); }
  error(msg: string, fields?: LogFields) { this.write('error', msg, fields); }
  fatal(msg: string, fields?: LogFields) { this.write('fatal', msg, fields); }
}

/** One named logger per class: `private readonly log = getLogger(ReceiptTracker.name)`. */
export function getLogger(name: string): Log {
  return new NamedLog(name);
}
