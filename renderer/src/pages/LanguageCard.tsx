import type { LanguageSetting } from '../../../src/i18n';
import { Problem } from '../components/Problem';
import { applyLanguageSetting, useT } from '../i18n';
import { useAppStore } from '../store';

const SETTINGS: LanguageSetting[] = ['system', 'en', 'de'];

/** The window's language, switched at once and kept in the settings. */
export function LanguageCard() {
  const t = useT();
  const setting = useAppStore((s) => s.settings?.language ?? 'system');
  const updateSettings = useAppStore((s) => s.updateSettings);
  const error = useAppStore((s) => s.settingsError);
  const systemLanguage = t(`common:language.${navigator.language.toLowerCase().startsWith('de') ? 'de' : 'en'}`);

  const choose = async (value: LanguageSetting) => {
    applyLanguageSetting(value);
    await updateSettings({ language: value });
  };

  return (
    <section className="card" aria-labelledby="language-heading" data-testid="language-card">
      <h2 id="language-heading">{t('common:language.title')}</h2>
      <label className="field">
        <span>{t('common:language.label')}</span>
        <select value={setting} onChange={(e) => void choose(e.target.value as LanguageSetting)} data-testid="language-select">
          {SETTINGS.map((value) => (
            <option key={value} value={value}>
              {value === 'system' ? t('common:language.system', { language: systemLanguage }) : t(`common:language.${value}`)}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">{t('common:language.hint')}</p>
      {error && <Problem error={error} testId="language-error" />}
    </section>
  );
}
