import type { i18n as I18n } from 'i18next';
import type { Language } from '../i18n/language';
import type { MessageParam } from '../i18n/message';
import { createI18n, renderMessage } from '../i18n/translate';

/** A translator for the desktop shell's own texts (menus, dialogs, notifications), in the window's language. */
export type DesktopT = (key: string, params?: Record<string, MessageParam>) => string;

const instances = new Map<Language, I18n>();

export function desktopT(language: Language): DesktopT {
  let instance = instances.get(language);
  if (!instance) {
    instance = createI18n(language);
    instances.set(language, instance);
  }
  const bound = instance;
  return (key, params) => renderMessage(bound, { key, params });
}
