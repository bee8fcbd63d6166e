export * from './kodeverk.js';
