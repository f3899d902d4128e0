export * from './channels';
export * from './errors';
export * from './events';
export * from './types';
export * from './gpu';
export type { AucmediBridge } from './bridge';
