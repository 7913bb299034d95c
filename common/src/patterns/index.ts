export * from './format.js';
export * from './parse.js';
export * from './rules.js';
export * from './rng.js';
export * from './tree.js';
export * from './values.js';
