import type { LoggerService } from '@nestjs/common';
import { getLogger } from './logger.js';

/**
 * Routes Nest's own logging (`new Logger(Context)`, framework messages) into the
 * hub's JSON logger, so there is one log format and one masking step.
 */
export class NestLoggerAdapter implements LoggerService {
  log(message: unknown, ...params: unknown[]) { this.emit('info', message, params); }
  error(message: unknown, ...params: unknown[]) { this.emit('error', message, params); }
  warn(message: unknown, ...params: unknown[]) { this.emit('warn', message, params); }
  debug(message: unknown, ...params: unknown[]) { this.emit('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]) { this.emit('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]) { this.emit('fatal', message, params); }

  private emit(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]) {
    // Nest passes the context (class name) as the last string parameter, and a
    // stack trace before it for errors.
    const context = typeof params.at(-1) === 'string' ? (params.at(-1) as string) : 'Nest';
    const extra = params.slice(0, -1).filter((p) => p !== undefined);
    const log = getLogger(context);
    if (message instanceof Error) log[level](message.message, { err: message });
    else if (typeof message === 'object' && message !== null) log[level]('event', message as Record<string, unknown>);
    else log[level](String(message), extra.length ? { detail: extra } : undefined);
  }
}
