import { describe, expect, it } from 'vitest';
import { createI18n, formatDuration, formatSize, languageFromEnv, languageFromLocale, renderMessage, resolveLanguage, msg } from '../../../src/i18n';

describe('sizes', () => {
  it('names binary units as such', () => {
    expect(formatSize(1024)).toBe('1.0 KiB');
    expect(formatSize(1536, 'de')).toBe('1,5 KiB');
    expect(formatSize(5 * 1024 ** 3)).toBe('5.0 GiB');
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(null, 'de')).toBe('unbekannt');
  });
  it('groups digits by the locale', () => {
    expect(formatSize(1023)).toBe('1,023 B');
    expect(formatSize(1023, 'de')).toBe('1.023 B');
  });
});

describe('durations', () => {
  it('reads as people say it, in either language', () => {
    expect(formatDuration(42_000)).toBe('42 sec');
    expect(formatDuration(3_725_000)).toBe('1 hr 2 min');
    expect(formatDuration(3_725_000, 'de')).toBe('1 Std. 2 Min.');
    expect(formatDuration(2.5 * 1000, 'de')).toBe('2,5 Sek.');
  });
});

describe('language', () => {
  it('follows LC_ALL, then LC_MESSAGES, then LANG', () => {
    expect(languageFromEnv({ LANG: 'de_DE.UTF-8' })).toBe('de');
    expect(languageFromEnv({ LC_ALL: 'C', LANG: 'de_DE.UTF-8' })).toBe('en');
    expect(languageFromEnv({ LC_ALL: '', LC_MESSAGES: 'de_AT.UTF-8', LANG: 'en_US.UTF-8' })).toBe('de');
    expect(languageFromEnv({})).toBe('en');
  });
  it('reads locale tags', () => {
    expect(['de', 'de-CH', 'de_AT', 'DE-de', 'fr-FR', 'dev', ''].map(languageFromLocale)).toEqual(['de', 'de', 'de', 'de', 'en', 'en', 'en']);
    expect(resolveLanguage('system', 'de-DE')).toBe('de');
    expect(resolveLanguage('en', 'de-DE')).toBe('en');
  });
  it('renders a message and its message parameters in the instance language', () => {
    const de = createI18n('de');
    expect(renderMessage(de, msg('common:language.system', { language: msg('common:language.de') }))).toBe('Wie das System (Deutsch)');
    expect(renderMessage(createI18n('en'), msg('common:nav.runs'))).toBe('Runs');
  });
});
