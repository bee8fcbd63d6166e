/**
 * The simulated municipal EPJ's patient register (who receives municipal services), keyed by
 * fødselsnummer. In memory, seeded per run: `undefined` known set means "everyone is known",
 * the default, so a demo stay is never refused for an unknown patient; a configured list makes
 * the receiver rules warn about (or, with `rejectUnknownPatient`, reject with E35) the others.
 */
export class PatientRegister {
  private readonly known: Set<string> | undefined;

  constructor(seed?: Iterable<string>) {
    this.known = seed === undefined ? undefined : new Set(seed);
  }

  /** The set for `ReceiverConfig.knownPatients`; undefined = everyone is known. */
  knownPatients(): ReadonlySet<string> | undefined {
    return this.known;
  }

  /** Registers a patient (e.g. when the municipality starts delivering services). */
  admit(fodselsnummer: string): void {
    this.known?.add(fodselsnummer);
  }

  isKnown(fodselsnummer: string): boolean {
    return this.known === undefined || this.known.has(fodselsnummer);
  }
}
