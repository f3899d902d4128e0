export * from './channels';
export * from './errors';
export * from './events';
export * from './types';
export type { AucmediBridge } from './bridge';
