export { herIdsOf } from './party.js';
export type { PartyKindName, PartyRecord, PartyServiceRecord, PartyStatusName, Principal } from './party.js';
export { PartyRegistry, RegistryErrorCodes, hashToken } from './party.registry.js';
export { readRegistrySeed, seedRegistry } from './registry.seeder.js';
export type { PartyCertificates, PartySeed, RegistrySeed } from './registry.seeder.js';
