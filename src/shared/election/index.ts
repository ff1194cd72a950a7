export * from './bully';
export * from './room';
export * from '../membership/membership';
