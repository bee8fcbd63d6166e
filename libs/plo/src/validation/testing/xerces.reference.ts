/**
 * The reference validator for the differential conformance test: Java/Xerces through
 * xsd-schema-validator (one JVM per call), with an XML catalog so the schemas' two remote
 * imports and the W3C DTD named in xmldsig-core-schema.xsd resolve to local files, and
 * external access restricted to `file:` so nothing is ever fetched from the network.
 */
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import xsdSchemaValidator from 'xsd-schema-validator';

const XSD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../xsd');

/** The driver schema both validators use. */
export const DRIVER_XSD = path.join(XSD_DIR, '_driver-all.xsd');

/** JVM system properties for offline validation. */
export const XERCES_JAVA_OPTIONS: readonly string[] = [
  `-Djavax.xml.catalog.files=${pathToFileURL(path.join(XSD_DIR, 'xerces/catalog.xml')).href}`,
  '-Djavax.xml.catalog.resolve=continue',
  '-Djavax.xml.accessExternalDTD=file',
  '-Djavax.xml.accessExternalSchema=file',
];

/** One short-lived JVM per document: the C1 compiler and the serial GC start fastest. */
const FAST_START_OPTIONS: readonly string[] = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** Xerces' verdict on one file. */
export interface XercesVerdict {
  valid: boolean;
  messages: string[];
}

/**
 * Makes every JVM that xsd-schema-validator spawns from now on validate offline, and returns a
 * function that undoes it. xsd-schema-validator offers no way to pass JVM options or an
 * environment, and under jest `process.env` is a sandbox copy that spawned children do not
 * inherit; but it does look `java` up in `$JAVA_HOME/bin`, read from that copy. So JAVA_HOME is
 * pointed at a temporary folder whose `bin/java` runs the real java with the catalog options.
 */
export function useOfflineXerces(): () => void {
  const realJava = findJava();
  const home = mkdtempSync(path.join(tmpdir(), 'plo-xerces-java-'));
  mkdirSync(path.join(home, 'bin'));
  const quoted = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  const script = `#!/bin/sh\nexec ${quoted(realJava)} ${[...FAST_START_OPTIONS, ...XERCES_JAVA_OPTIONS].map(quoted).join(' ')} "$@"\n`;
  writeFileSync(path.join(home, 'bin', 'java'), script, { mode: 0o755 });
  const previous = process.env.JAVA_HOME;
  process.env.JAVA_HOME = home;
  return () => {
    if (previous === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = previous;
    rmSync(home, { recursive: true, force: true });
  };
}

function findJava(): string {
  const dirs = [process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin') : '', ...(process.env.PATH ?? '').split(path.delimiter)];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, 'java');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('java not found in JAVA_HOME or PATH (JDK 17 is required for the conformance test)');
}

/** Validates a file with Xerces (call {@link useOfflineXerces} first). Rejects only if Java cannot run. */
export async function xercesValidate(file: string): Promise<XercesVerdict> {
  try {
    const r = await xsdSchemaValidator.validateXML({ file }, DRIVER_XSD);
    return { valid: r.valid, messages: r.messages };
  } catch (err) {
    const e = err as { valid?: boolean; messages?: string[] };
    if (e.valid === false) return { valid: false, messages: e.messages ?? [] };
    throw err;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
