import { useCallback, useId, useMemo, useState } from 'react';
import type { ArchitectureInfo } from '../../../src/api';
import { useFormat, useLocalized, useT } from '../i18n';

interface ArchitecturePickerProps {
  /** Only those of the dataset's dimensionality. */
  architectures: readonly ArchitectureInfo[];
  /** Keys whose pretrained weights are in the weights folder (Vanilla included: it needs none). */
  ready: readonly string[];
  /** Several may be chosen (advanced analysis). */
  multiple: boolean;
  max: number;
  selected: readonly string[];
  onChange(keys: string[]): void;
  weightsDir: string | null;
}

const matches = (a: ArchitectureInfo, query: string, shownDescription: string) => {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return q
    .split(/\s+/)
    .every((word) => a.key.toLowerCase().includes(word) || a.family.toLowerCase().includes(word) || a.description.toLowerCase().includes(word) || shownDescription.toLowerCase().includes(word));
};

/** The architectures, searchable, grouped by family, with size, speed and whether they can run offline. */
export function ArchitecturePicker({ architectures, ready, multiple, max, selected, onChange, weightsDir }: ArchitecturePickerProps) {
  const t = useT();
  const format = useFormat();
  const localized = useLocalized();
  /** The description in the window's language (the core's `i18n.description`), the English `description` where there is none. */
  const describe = useCallback((a: ArchitectureInfo) => localized(a, 'description'), [localized]);
  const [query, setQuery] = useState('');
  const name = useId();
  const readySet = useMemo(() => new Set(ready), [ready]);
  const groups = useMemo(() => {
    const byFamily = new Map<string, ArchitectureInfo[]>();
    for (const a of architectures) {
      if (!matches(a, query, describe(a))) continue;
      byFamily.set(a.family, [...(byFamily.get(a.family) ?? []), a]);
    }
    return [...byFamily.entries()];
  }, [architectures, query, describe]);
  const shown = groups.reduce((n, [, list]) => n + list.length, 0);
  const notReady = selected.filter((key) => !readySet.has(key));

  const toggle = (key: string, on: boolean) => {
    if (!multiple) return onChange([key]);
    if (on) onChange(selected.includes(key) ? [...selected] : [...selected, key].slice(0, max));
    else onChange(selected.filter((k) => k !== key));
  };

  return (
    <div className="arch-picker" data-testid="arch-picker">
      <div className="arch-search">
        <label htmlFor={`${name}-search`} className="visually-hidden">
          {t('training:picker.searchLabel')}
        </label>
        <input
          id={`${name}-search`}
          type="search"
          placeholder={t('training:picker.searchPlaceholder')}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          data-testid="arch-search"
        />
        <span className="muted small" aria-live="polite">
          {t('training:picker.shown', { shown: format.number(shown), total: format.number(architectures.length) })}
        </span>
      </div>
      <div className="arch-list" role={multiple ? 'group' : 'radiogroup'} aria-label={t('training:picker.listLabel')}>
        {groups.length === 0 && <p className="muted">{t('training:picker.noMatch', { query })}</p>}
        {groups.map(([family, list]) => (
          <fieldset key={family} className="arch-group">
            <legend>{family}</legend>
            {list.map((a) => {
              const checked = selected.includes(a.key);
              const isReady = readySet.has(a.key);
              const needsNone = a.weightsFile === null;
              return (
                <label key={a.key} className={checked ? 'arch-option checked' : 'arch-option'} data-testid={`arch-${a.key}`} data-weights={needsNone ? 'none-needed' : isReady ? 'ready' : 'missing'}>
                  <input
                    type={multiple ? 'checkbox' : 'radio'}
                    name={`${name}-arch`}
                    value={a.key}
                    checked={checked}
                    disabled={multiple && !checked && selected.length >= max}
                    onChange={(event) => toggle(a.key, event.target.checked)}
                  />
                  <span className="arch-text">
                    <span className="arch-name">
                      {a.key}
                      {needsNone ? (
                        <span className="tag">{t('training:picker.noWeightsNeeded')}</span>
                      ) : isReady ? (
                        <span className="tag ok" data-testid="weights-ready-tag" title={t('training:picker.readyTitle')}>
                          {t('training:picker.ready')}
                        </span>
                      ) : (
                        <span className="tag warn" data-testid="weights-missing-tag" title={t('training:picker.missingTitle')}>
                          {t('training:picker.missing')}
                        </span>
                      )}
                    </span>
                    <span className="arch-facts muted small">
                      {t('training:picker.facts', {
                        input: a.inputSize === 'shape3D' ? t('training:picker.inputShape3D') : t('training:picker.inputPixels', { width: a.inputSize[0], height: a.inputSize[1] }),
                        millions: a.parametersMillions < 1 ? format.number(Math.round(a.parametersMillions * 10) / 10, 1) : format.number(Math.round(a.parametersMillions)),
                        speed: t(`training:picker.speed.${a.speedHint}`),
                      })}
                    </span>
                    <span className="arch-description">{describe(a)}</span>
                  </span>
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
      {notReady.length > 0 && (
        <p className="hint warn" data-testid="weights-hint">
          {weightsDir
            ? t('training:picker.weightsHintInto', { architectures: notReady.join(', '), dir: weightsDir })
            : t('training:picker.weightsHint', { architectures: notReady.join(', ') })}
        </p>
      )}
    </div>
  );
}
