export * from './format';
export * from './language';
export * from './message';
export { coreLanguage, createI18n, renderMessage, setCoreLanguage, t, text } from './translate';
