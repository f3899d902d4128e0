/**
 * The window's language: one i18next instance over the catalogs in src/i18n/locales, following
 * the system (Chromium's `navigator.language`, which Electron sets from the OS) unless the user
 * chose one on the Setup page; switched without a restart.
 */
import { useCallback } from 'react';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { UserError } from '../../src/api';
import { formatValue } from './value-format';
import { createI18n, formatDateTime, formatDuration, formatNumber, formatPercent, formatSize, renderMessage, resolveLanguage, type Language, type LanguageSetting, type Localized, type Message } from '../../src/i18n';

export const i18n = createI18n(resolveLanguage('system', navigator.language), [initReactI18next]);
document.documentElement.lang = i18n.language;

export function applyLanguageSetting(setting: LanguageSetting | undefined): void {
  const language = resolveLanguage(setting, navigator.language);
  document.documentElement.lang = language;
  if (i18n.language !== language) void i18n.changeLanguage(language);
}

/** `t('common:language.title')`, re-rendering the component when the language changes. */
export function useT() {
  return useTranslation().t;
}

export function useLanguage(): Language {
  return useTranslation().i18n.language === 'de' ? 'de' : 'en';
}

/** Renders a core message (a key with parameters) in the window's language. */
export function useMessage(): (message: Message) => string {
  const { i18n: instance } = useTranslation();
  return useCallback((message: Message) => renderMessage(instance, message), [instance, instance.language]);
}

/** An error's sentence and what to do, in the window's language when the core sent its catalog keys. */
export function useErrorText(): (error: Pick<UserError, 'message' | 'action' | 'i18n'>) => { message: string; action: string } {
  const render = useMessage();
  return useCallback(
    (error) => ({
      message: error.i18n ? render(error.i18n.message) : error.message,
      action: error.i18n ? (error.i18n.action ? render(error.i18n.action) : '') : error.action,
    }),
    [render],
  );
}

/**
 * A core object's text field in the window's language: `localized(diagnosis, 'summary')` renders
 * `diagnosis.i18n.summary` when the core sent it, else the English `diagnosis.summary`.
 */
export function useLocalized(): <F extends string>(item: { [K in F]?: string | null } & Localized<F>, field: F) => string {
  const render = useMessage();
  return useCallback(<F extends string>(item: { [K in F]?: string | null } & Localized<F>, field: F) => {
    const message = item.i18n?.[field];
    return message ? render(message) : (item[field] ?? '');
  }, [render]);
}

/** Sizes, numbers, durations and dates in the window's language (src/i18n/format.ts). */
export function useFormat() {
  const language = useLanguage();
  return {
    size: (bytes: number | null | undefined) => formatSize(bytes, language),
    number: (value: number, digits = 0) => formatNumber(value, language, digits),
    duration: (ms: number) => formatDuration(ms, language),
    dateTime: (moment: string | number | Date) => formatDateTime(moment, language),
    percent: (fraction: number, digits = 1) => formatPercent(fraction, language, digits),
  };
}

/** A probability as the tables show it: "87.0 %" ('–' for none); `usePercent` renders it in the window's language. */
export const percent = (p: number | null) => (p === null ? '–' : `${(p * 100).toFixed(1)} %`);

/** `percent` in the window's language: "87.0 %" in English as before, "87,0 %" in German. */
export function usePercent(): (p: number | null) => string {
  const language = useLanguage();
  return useCallback((p: number | null) => (language === 'de' ? percent(p).replace('.', ',') : percent(p)), [language]);
}

/** LineChart's `formatValue` (four significant digits) in the window's language: the decimal comma in German. */
export function useValue(): (value: number | null | undefined) => string {
  const language = useLanguage();
  return useCallback((value: number | null | undefined) => (language === 'de' ? formatValue(value).replace('.', ',') : formatValue(value)), [language]);
}
