export { commonSettings, runService } from './service.host.js';
export type { ServiceConfig, ServiceDefinition } from './service.host.js';
