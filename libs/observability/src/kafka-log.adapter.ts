import { getLogger } from './logger.js';

// kafkajs numeric levels (logLevel enum), kept here so this lib needs no kafkajs import.
const NOTHING = 0;
const ERROR = 1;
const WARN = 2;
const INFO = 4;

interface KafkaLogEntry {
  namespace: string;
  level: number;
  label: string;
  log: { message: string; [key: string]: unknown };
}

/**
 * A kafkajs `logCreator` that writes through the hub's logger, so broker
 * connection problems show up in the same JSON stream as everything else.
 */
export function kafkaLogCreator(_level: number) {
  return ({ namespace, level, log }: KafkaLogEntry) => {
    const { message, timestamp: _ts, logger: _l, ...fields } = log;
    const target = getLogger(`kafkajs.${namespace || 'client'}`);
    if (level === NOTHING) return;
    if (level === ERROR) target.error(message, fields);
    else if (level === WARN) target.warn(message, fields);
    else if (level === INFO) target.info(message, fields);
    else target.debug(message, fields);
  };
}
