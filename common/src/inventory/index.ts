export * from './schema.js';
export * from './load.js';
export * from './rules.js';
export * from './grammar.js';
