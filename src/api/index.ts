export * from './channels';
export * from './errors';
export * from './events';
export * from './types';
export * from './gpu';
export * from './dataset';
export * from './aucmedi';
export * from './progress';
export type { AucmediBridge } from './bridge';
