import { configureLogging, getLogger } from './logger.js';

function collect() {
  const lines: string[] = [];
  configureLogging({ service: 'test', level: 'debug', destination: { write: (l: string) => lines.push(l) } });
  return lines;
}

describe('hub logger', () => {
  it('writes JSON lines with the logger name and structured fields', () => {
    const lines = collect();
    getLogger('ReceiptTracker').info('sealed', { msgId: 'a7f1e0c2-0b4e-4a39-9f0e-1f2d3c4b5a69' });
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 'info', service: 'test', logger: 'ReceiptTracker', msg: 'sealed' });
    expect(entry.msgId).toBe('a7f1e0c2-0b4e-4a39-9f0e-1f2d3c4b5a69');
  });

  it('never writes an 11-digit person number in clear, wherever it is', () => {
    const lines = collect();
    const log = getLogger('Intake');
    log.warn('patient 13116900216 unknown', { detail: 'fnr=13116900216', nested: { id: '13116900216' } });
    log.error('failed', { err: new Error('no journal for 13116900216') });
    expect(lines.join('\n')).not.toContain('13116900216');
    expect(lines.join('\n')).toContain('***********');
  });

  it('respects the configured level', () => {
    const lines: string[] = [];
    configureLogging({ service: 't', level: 'warn', destination: { write: (l: string) => lines.push(l) } });
    getLogger('X').info('hidden');
    getLogger('X').warn('shown');
    expect(lines).toHaveLength(1);
  });
});
