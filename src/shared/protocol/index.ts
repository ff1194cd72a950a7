export * from './messages';
export * from './drops';
