import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubError } from '@hub/errors';

/** The schema PloValidator compiles: imports every supported namespace from local files. */
export const SCHEMA_ENTRY = '_driver-all.xsd';

/**
 * Where libs/plo/xsd is: next to the sources (jest, ts-node) or, from the compiled output in
 * dist/libs/plo/src/validation, back in the workspace (tsc does not copy .xsd files).
 */
export function locateSchemaDir(explicit?: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = explicit
    ? [path.resolve(explicit)]
    : [path.resolve(here, '../../xsd'), path.resolve(here, '../../../../../libs/plo/xsd')];
  const found = candidates.find((dir) => existsSync(path.join(dir, SCHEMA_ENTRY)));
  if (!found) {
    throw new HubError('VALIDATION.SCHEMA_LOAD_FAILED', `schema folder with ${SCHEMA_ENTRY} not found`, {
      metadata: { candidates },
    });
  }
  return found;
}

/** Reads every .xsd in the schema folder into memory (file name → bytes). */
export async function loadSchemaFiles(schemaDir?: string): Promise<Map<string, Uint8Array>> {
  const dir = locateSchemaDir(schemaDir);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.xsd')).sort();
  const files = new Map<string, Uint8Array>();
  for (const name of names) files.set(name, new Uint8Array(await readFile(path.join(dir, name))));
  return files;
}
