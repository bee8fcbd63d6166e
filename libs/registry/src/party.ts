/** One kommunikasjonspart (service) of a party, with its own HER-id. */
export interface PartyServiceRecord {
  herId: number;
  name: string;
}

export type PartyKindName = 'HOSPITAL' | 'MUNICIPALITY' | 'GP_OFFICE';
export type PartyStatusName = 'ACTIVE' | 'DOWN' | 'SUSPENDED';

/** A party as the services see it. */
export interface PartyRecord {
  /** Organisation HER-id. */
  herId: number;
  name: string;
  kind: PartyKindName;
  orgNumber: string | null;
  epjSystem: string;
  transport: string;
  meldingsansvarligEmail: string;
  webhookUrl: string | null;
  status: PartyStatusName;
  statusReason: string | null;
  testData: boolean;
  signingCertPem: string | null;
  encryptionCertPem: string | null;
  services: PartyServiceRecord[];
}

/** Every HER-id a party may send as or receive on: its own and its services'. */
export function herIdsOf(party: Pick<PartyRecord, 'herId' | 'services'>): number[] {
  return [party.herId, ...party.services.map((s) => s.herId)];
}

/** Who is calling: an EPJ integration of one party, or an operator. */
export type Principal =
  | { role: 'PARTY'; credentialId: string; partyHerId: number; herIds: ReadonlySet<number> }
  | { role: 'OPERATOR'; credentialId: string };
