export * from './proc-stat.js';
export * from './processes.js';
export * from './sample.js';
