import { readFile, stat } from 'node:fs/promises';
import { PloValidator, PloValidatorOptions } from './plo.validator.js';
import type { ValidationError } from './validation-error.js';

/** One line of `plo validate` output. `type`/`version` are null when they could not be read. */
export interface FileValidationReport {
  file: string;
  valid: boolean;
  type: string | null;
  version: string | null;
  errors: ValidationError[];
}

let shared: Promise<PloValidator> | undefined;

function defaultValidator(): Promise<PloValidator> {
  shared ??= PloValidator.create().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/**
 * Validates files in the given order. A file that cannot be read, or is larger than the size
 * limit (checked with stat, before reading), is reported as invalid with T99; nothing throws
 * for bad input. Without `opts`, one process-wide validator is created on first use and kept.
 */
export async function validateFiles(
  paths: string[],
  opts?: PloValidatorOptions & { validator?: PloValidator },
): Promise<FileValidationReport[]> {
  const ownValidator = !opts?.validator && opts !== undefined && Object.keys(opts).length > 0;
  const validator = opts?.validator ?? (ownValidator ? await PloValidator.create(opts) : await defaultValidator());
  try {
    const reports: FileValidationReport[] = [];
    for (const file of paths) reports.push(await validateFile(validator, file));
    return reports;
  } finally {
    if (ownValidator) validator.dispose();
  }
}

async function validateFile(validator: PloValidator, file: string): Promise<FileValidationReport> {
  const invalid = (message: string): FileValidationReport => ({
    file,
    valid: false,
    type: null,
    version: null,
    errors: [{ code: 'T99', message }],
  });
  let bytes: Uint8Array;
  try {
    const info = await stat(file);
    if (!info.isFile()) return invalid('not a regular file');
    const max = validator.limits.maxBytes;
    if (info.size > max) return invalid(`document too large: ${info.size} bytes, limit is ${max} bytes`);
    bytes = await readFile(file);
  } catch (err) {
    return invalid(`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const result = validator.validate(bytes);
  return { file, valid: result.valid, type: result.msgType ?? null, version: result.version ?? null, errors: result.errors };
}
