/** Nest injection tokens of the receipt tracker. */
export const RECEIPT_DB = Symbol('RECEIPT_DB');
export const RECEIPT_CLOCK = Symbol('RECEIPT_CLOCK');
