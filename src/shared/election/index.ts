export * from './bully';
export * from './election-state';
export * from './room';
export * from '../membership/membership';
