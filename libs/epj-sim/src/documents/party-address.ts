import { HER_ID_TYPE_OID, type Organisation } from '@hub/plo';

/** The parts of a registry party the documents need (structurally a `PartyRecord`). */
export interface AddressableParty {
  readonly herId: number;
  readonly name: string;
  readonly services: readonly { readonly herId: number; readonly name: string }[];
}

const herIdent = (herId: number) => ({ id: String(herId), typeId: { v: 'HER', dn: 'HER-id', s: HER_ID_TYPE_OID } });

/**
 * MsgHead `Organisation` for a party, addressed to one of its services (kommunikasjonspart):
 * the virksomhet with its HER-id, and the service nested inside with its own (DOMAIN.md §4, §6).
 */
export function organisationFor(party: AddressableParty, serviceHerId?: number): Organisation {
  const service = serviceHerId === undefined ? undefined : party.services.find((s) => s.herId === serviceHerId);
  if (serviceHerId !== undefined && !service) throw new RangeError(`party ${party.herId} has no service ${serviceHerId}`);
  return {
    name: party.name,
    idents: [herIdent(party.herId)],
    teleCom: [],
    ...(service ? { organisation: { name: service.name, idents: [herIdent(service.herId)], teleCom: [] } } : {}),
  };
}

/** Municipal services by convention (docs/delivery-design.md): org + 1 Sykepleietjenesten, org + 2 Saksbehandlertjenesten. */
export const MunicipalService = {
  sykepleietjenesten: (orgHerId: number) => orgHerId + 1,
  saksbehandlertjenesten: (orgHerId: number) => orgHerId + 2,
} as const;

/** Sykehuset Telemark's sending services: 9100001 innleggelse, 9100002 utskrivning. */
export const HospitalService = {
  innleggelse: (orgHerId: number) => orgHerId + 1,
  utskrivning: (orgHerId: number) => orgHerId + 2,
} as const;
