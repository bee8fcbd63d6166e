/**
 * Format error codes from kodeverk 8221 ("Feil i applikasjonskvittering") that validation can
 * produce. They go straight into a negative AppRec.
 */
export const VALIDATION_ERROR_CODES = {
  /** Not XML / not well-formed (includes broken UTF-8 and truncated documents). */
  T01: 'Ikke XML / ikke "well formed" XML',
  /** XML does not validate against the schema. */
  T02: 'XML validerer ikke',
  /** Unsupported message format (unknown namespace, root element or payload version). */
  T10: 'Støtter ikke meldingsformatet',
  /** Other format error: here, a document refused by policy (size or depth limit, DOCTYPE). */
  T99: 'Annen feil på format',
} as const;

/** One of {@link VALIDATION_ERROR_CODES}. */
export type ValidationErrorCode = keyof typeof VALIDATION_ERROR_CODES;

/** One finding. `line` is 1-based in the validated document, when known. */
export interface ValidationError {
  code: ValidationErrorCode;
  message: string;
  line?: number;
}

/** What kind of top-level document was validated. */
export type MessageKind = 'MsgHead' | 'AppRec';

/**
 * Result of `PloValidator.validate`. `msgType` is MsgInfo/Type/@V for a MsgHead (kodeverk 8279,
 * e.g. `INNLEGGELSESRAPPORT`, `DIALOG_FORESPORSEL`) and MsgType/@V for an AppRec (`APPREC`);
 * `version` names the payload schema: `plo-1.6`, `plo-1.5`, `dialog-1.0`, `dialog-1.1`,
 * `apprec-1.1`, `apprec-1.0`. Both are filled in whenever they could be read, also when invalid.
 */
export interface ValidationResult {
  valid: boolean;
  kind?: MessageKind;
  msgType?: string;
  version?: string;
  errors: ValidationError[];
}
