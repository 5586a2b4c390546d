/** Docker commands described as data, and the one client that runs them. */
export * from './command';
export * from './client';
export * from './commands';
export * from './errors';
export * from './labels';
export * from './platform';
export * from './builder';
export * from './cleanup';
export * from './active';
export * from './engine';
export * from './settle';
