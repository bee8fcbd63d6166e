export * from './person-id.js';
export * from './synthetic-person-id.generator.js';
