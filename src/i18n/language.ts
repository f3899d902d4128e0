/** The languages the app speaks, and how the system's locale chooses one. */
export const LANGUAGES = ['en', 'de'] as const;
export type Language = (typeof LANGUAGES)[number];
/** What the user picked on the Setup page: a language, or the system's. */
export type LanguageSetting = Language | 'system';

/** 'de-AT', 'de_CH.UTF-8', 'German' -> 'de'; anything else -> 'en'. */
export function languageFromLocale(locale: string | undefined | null): Language {
  const tag = (locale ?? '').trim().toLowerCase();
  return tag === 'german' || /^de([-_.@]|$)/.test(tag) ? 'de' : 'en';
}

/**
 * The CLI's language, as POSIX programs choose it: `LC_ALL`, else `LC_MESSAGES`, else `LANG`
 * (`C` and `POSIX` are English). `LANGUAGE`, GNU's list, is not read: it only applies when the
 * locale is not C, and the app has just two languages.
 */
export function languageFromEnv(env: NodeJS.ProcessEnv = process.env): Language {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((value) => value !== undefined && value !== '');
  return languageFromLocale(locale);
}

export function resolveLanguage(setting: LanguageSetting | undefined, systemLocale: string | undefined): Language {
  return setting === 'en' || setting === 'de' ? setting : languageFromLocale(systemLocale);
}
