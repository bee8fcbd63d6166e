import { HubError } from '@hub/errors';

export const PatientRegisterErrorCodes = {
  BadRegister: 'EPJ.BAD_PATIENT_REGISTER',
} as const;

/**
 * The simulated EPJs' patient register (who receives services from the party), keyed by
 * fødselsnummer. In memory, seeded per run:
 * - no seed: every patient is known everywhere (the default, so a demo stay is never refused);
 * - a list: the known patients of every party this EPJ serves;
 * - per party (`{ "<herId>": [...] }`): that party knows only its list; a party not listed
 *   knows everyone (so a test or demo can make one municipality's patients unknown).
 * The receiver rules warn about (or, for a `reject` party, refuse with E35) the others.
 */
export class PatientRegister {
  private readonly everyParty: Set<string> | undefined;
  private readonly perParty = new Map<number, Set<string>>();

  constructor(seed?: Iterable<string> | ReadonlyMap<number, Iterable<string>>) {
    if (seed instanceof Map) {
      for (const [herId, ids] of seed as ReadonlyMap<number, Iterable<string>>) this.perParty.set(herId, new Set(ids));
    } else if (seed !== undefined) {
      this.everyParty = new Set(seed as Iterable<string>);
    }
  }

  /**
   * Reads the register file's JSON: an array of person ids, or an object keyed by the party's
   * organisation HER-id.
   */
  static fromJson(value: unknown, source = 'patient register'): PatientRegister {
    const ids = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (ids(value)) return new PatientRegister(value);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const map = new Map<number, string[]>();
      for (const [k, v] of Object.entries(value)) {
        if (!/^\d{1,9}$/.test(k) || !ids(v)) throw new HubError(PatientRegisterErrorCodes.BadRegister, `${source}: "${k}" must be a HER-id with an array of person ids`);
        map.set(Number(k), v);
      }
      return new PatientRegister(map);
    }
    throw new HubError(PatientRegisterErrorCodes.BadRegister, `${source}: expected a JSON array of person ids or an object keyed by HER-id`);
  }

  /** The set for `ReceiverConfig.knownPatients` of one party; undefined = everyone is known. */
  knownPatients(partyHerId?: number): ReadonlySet<string> | undefined {
    return (partyHerId !== undefined ? this.perParty.get(partyHerId) : undefined) ?? this.everyParty;
  }

  /** Registers a patient with a party (e.g. when the municipality starts delivering services, or after manual linking). */
  admit(fodselsnummer: string, partyHerId?: number): void {
    const set = (partyHerId !== undefined ? this.perParty.get(partyHerId) : undefined) ?? this.everyParty;
    set?.add(fodselsnummer);
  }

  isKnown(fodselsnummer: string, partyHerId?: number): boolean {
    const known = this.knownPatients(partyHerId);
    return known === undefined || known.has(fodselsnummer);
  }
}
