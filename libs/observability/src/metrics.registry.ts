import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus registry. Node process metrics are collected with the
 * standard names; every series gets a `service` label. Labels never hold a person
 * identifier: use HER-ids, message types, stages and outcomes only.
 */
export const metricsRegistry = new Registry();
let defaultsStarted = false;

export function startDefaultMetrics(service: string): void {
  metricsRegistry.setDefaultLabels({ service });
  if (!defaultsStarted) {
    collectDefaultMetrics({ register: metricsRegistry });
    defaultsStarted = true;
  }
}
