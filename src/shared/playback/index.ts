export * from './state';
export * from './barrier';
export * from './validate';
export * from './messages';
export * from './room-sound';
export * from './loudness';
export * from './crossfade';
export * from './next';
