export * from './state';
export * from './barrier';
export * from './validate';
export * from './messages';
