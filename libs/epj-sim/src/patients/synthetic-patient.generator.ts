import { generateSyntheticPersonId, PERSON_ID_TYPE_OID, type Patient } from '@hub/plo';

/** A synthetic patient: Test-Norge/Tenor +80 identity (never a real person) and a made-up name. */
export interface SyntheticPatient {
  readonly fodselsnummer: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly birthDate: string;
  readonly sex: 'female' | 'male';
}

const GIVEN = { female: ['Kari', 'Ingrid', 'Solveig', 'Astrid', 'Berit', 'Liv', 'Randi', 'Gerd'], male: ['Ola', 'Per', 'Knut', 'Arne', 'Odd', 'Nils', 'Tor', 'Egil'] };
const FAMILY = ['Testesen', 'Prøvestad', 'Fiktivsen', 'Simulatorsen', 'Demoberg', 'Eksempelrud', 'Syntetisk', 'Øvingsli'];

/** Generates a synthetic patient; inject `random` for reproducible data. */
export function generateSyntheticPatient(random: () => number = Math.random): SyntheticPatient {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const sex = random() < 0.5 ? 'female' : 'male';
  const year = 1930 + Math.floor(random() * 70);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const birthDate = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return { fodselsnummer: generateSyntheticPersonId({ birthDate, sex, random }), givenName: pick(GIVEN[sex]), familyName: pick(FAMILY), birthDate, sex };
}

/** The MsgHead Patient: name + fødselsnummer (enough for the receiver's E36 rule), birth date and sex. */
export function msgHeadPatient(p: SyntheticPatient): Patient {
  return {
    familyName: p.familyName,
    givenName: p.givenName,
    dateOfBirth: p.birthDate,
    sex: p.sex === 'male' ? { v: '1', dn: 'Mann' } : { v: '2', dn: 'Kvinne' },
    idents: [{ id: p.fodselsnummer, typeId: { v: 'FNR', dn: 'Fødselsnummer', s: PERSON_ID_TYPE_OID } }],
    teleCom: [],
  };
}
