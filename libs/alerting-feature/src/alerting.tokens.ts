/** Injection tokens of the alerting feature. */
export const ALERTING_CONFIG = Symbol('ALERTING_CONFIG');
export const ALERTING_DB = Symbol('ALERTING_DB');
/** `() => Date`: the service's clock (tests move it). */
export const ALERTING_CLOCK = Symbol('ALERTING_CLOCK');

export type Clock = () => Date;
