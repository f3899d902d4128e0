import i18next, { type i18n as I18n, type Module } from 'i18next';
import { formatDateTime, formatDuration, formatNumber, formatPercent, formatSize } from './format';
import { languageFromEnv, LANGUAGES, type Language } from './language';
import { isMessage, type Message, type MessageParam } from './message';
import { NAMESPACES, RESOURCES } from './resources';

const asLanguage = (lng: string | undefined): Language => (LANGUAGES as readonly string[]).includes(lng ?? '') ? (lng as Language) : 'en';

/**
 * One i18next instance over the bundled catalogs, synchronous (no back end to load from). Besides
 * i18next's own `number`, `datetime` and `list` formatters, `{{value, size}}`, `{{value, duration}}`,
 * `{{value, percent}}`, `{{value, when}}` and `{{value, decimal}}` use src/i18n/format.ts.
 */
export function createI18n(language: Language, plugins: Module[] = []): I18n {
  const instance = i18next.createInstance();
  for (const plugin of plugins) instance.use(plugin);
  void instance.init({
    resources: RESOURCES,
    lng: language,
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    ns: [...NAMESPACES],
    defaultNS: 'common',
    initAsync: false,
    returnNull: false,
    // The window escapes through React; the CLI prints plain text.
    interpolation: { escapeValue: false },
  });
  const formatter = instance.services.formatter;
  formatter?.add('size', (value, lng) => formatSize(Number(value), asLanguage(lng)));
  formatter?.add('duration', (value, lng) => formatDuration(Number(value), asLanguage(lng)));
  formatter?.add('percent', (value, lng) => formatPercent(Number(value), asLanguage(lng)));
  formatter?.add('when', (value, lng) => formatDateTime(value, asLanguage(lng)));
  formatter?.add('decimal', (value, lng, options: { digits?: number }) => formatNumber(Number(value), asLanguage(lng), Number(options?.digits ?? 2)));
  return instance;
}

/** Renders a message with `instance`, its message parameters first. */
export function renderMessage(instance: I18n, message: Message): string {
  return instance.t(message.key, resolveParams(instance, message.params)) as string;
}

function resolveParams(instance: I18n, params: Record<string, MessageParam> | undefined): Record<string, string | number> | undefined {
  if (!params) return undefined;
  const resolved: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params)) resolved[name] = isMessage(value) ? renderMessage(instance, value) : value;
  return resolved;
}

/** The core's own language: English, German in a CLI started under LANG=de_DE (see `languageFromEnv`). */
let core: I18n | null = null;

export function setCoreLanguage(language: Language): void {
  core = createI18n(language);
}

export function coreLanguage(): Language {
  return asLanguage(coreI18n().language);
}

function coreI18n(): I18n {
  core ??= createI18n('en');
  return core;
}

/** A catalog sentence in the core's language: `t('common:nav.setup')`. */
export function t(key: string, params?: Record<string, MessageParam>): string {
  return renderMessage(coreI18n(), { key, params });
}

export function text(message: Message): string {
  return renderMessage(coreI18n(), message);
}

export { languageFromEnv };
