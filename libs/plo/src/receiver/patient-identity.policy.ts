import type { AppRecError } from '../codes/index.js';
import { classifyPersonId } from '../identifiers/index.js';
import type { Patient } from '../model/index.js';

export interface PatientIdentityVerdict {
  readonly errors: readonly AppRecError[];
  /** Valid person ids found (for the known-patients lookup); never logged. */
  readonly personIds: readonly string[];
  readonly warnings: readonly string[];
}

const PERSON_ID_TYPES = new Set(['FNR', 'DNR', 'HNR', 'FHN', 'FH']);

/**
 * AR §3.3 / ARV §5: a receiver MUST reject (E36) a message whose patient is not identified by
 * name + fødselsnummer, name + birth date + sex, name + D-nummer or name + felles hjelpenummer.
 * E30: an FNR/DNR identifier is present but empty. E31: an FNR/DNR identifier is present but is
 * not a valid number (mod 11, date). Messages never include the number itself.
 */
export function checkPatientIdentity(patient: Patient | undefined): PatientIdentityVerdict {
  if (!patient) return { errors: ['E36'], personIds: [], warnings: [] };
  const errors = new Set<AppRecError>();
  const warnings: string[] = [];
  const personIds: string[] = [];
  const hasName = Boolean(patient.familyName?.trim() || patient.givenName?.trim());
  for (const ident of patient.idents) {
    const typeId = ident.typeId.v?.trim() ?? '';
    const id = ident.id.trim();
    const c = classifyPersonId(id);
    if (typeId === 'FNR' || typeId === 'DNR') {
      if (id === '') {
        errors.add('E30');
        continue;
      }
      if (!c.valid) {
        errors.add('E31');
        continue;
      }
      if (c.type !== typeId) warnings.push(`PATIENT.ID_TYPE_MISMATCH: TypeId ${typeId} carries a ${c.type}`);
      personIds.push(id);
    } else if (PERSON_ID_TYPES.has(typeId) || (ident.typeId.s === '2.16.578.1.12.4.1.4.3' && c.type === 'FHN')) {
      if (c.valid) personIds.push(id);
      else warnings.push(`PATIENT.INVALID_ID: ${typeId} identifier is not valid (${c.reason})`);
    }
  }
  const byBirth = Boolean(patient.dateOfBirth) && Boolean(patient.sex?.v);
  if (!hasName || (personIds.length === 0 && !byBirth)) {
    // A wrong number already explains why the patient is not identified; add E36 only otherwise.
    if (!errors.has('E31') && !errors.has('E30')) errors.add('E36');
  }
  return { errors: [...errors], personIds, warnings };
}
