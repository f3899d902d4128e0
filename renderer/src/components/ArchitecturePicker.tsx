import { useId, useMemo, useState } from 'react';
import type { ArchitectureInfo, SpeedHint } from '../../../src/api';

const SPEED: Record<SpeedHint, string> = { fast: 'fast to train', medium: 'medium speed', slow: 'slow to train' };

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

const matches = (a: ArchitectureInfo, query: string) => {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  return q.split(/\s+/).every((word) => a.key.toLowerCase().includes(word) || a.family.toLowerCase().includes(word) || a.description.toLowerCase().includes(word));
};

/** The architectures, searchable, grouped by family, with size, speed and whether they can run offline. */
export function ArchitecturePicker({ architectures, ready, multiple, max, selected, onChange, weightsDir }: ArchitecturePickerProps) {
  const [query, setQuery] = useState('');
  const name = useId();
  const readySet = useMemo(() => new Set(ready), [ready]);
  const groups = useMemo(() => {
    const byFamily = new Map<string, ArchitectureInfo[]>();
    for (const a of architectures) {
      if (!matches(a, query)) continue;
      byFamily.set(a.family, [...(byFamily.get(a.family) ?? []), a]);
    }
    return [...byFamily.entries()];
  }, [architectures, query]);
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
          Search architectures
        </label>
        <input
          id={`${name}-search`}
          type="search"
          placeholder="Search by name, family or description (e.g. dense, fast, small)"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          data-testid="arch-search"
        />
        <span className="muted small" aria-live="polite">
          {shown} of {architectures.length}
        </span>
      </div>
      <div className="arch-list" role={multiple ? 'group' : 'radiogroup'} aria-label="Architecture">
        {groups.length === 0 && <p className="muted">No architecture matches “{query}”.</p>}
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
                        <span className="tag">no weights needed</span>
                      ) : isReady ? (
                        <span className="tag ok" data-testid="weights-ready-tag" title="Its pretrained weights are in the weights folder: it can be trained on this offline computer.">
                          ready offline
                        </span>
                      ) : (
                        <span className="tag warn" data-testid="weights-missing-tag" title="Its pretrained weights are not in the weights folder yet: import them on the Setup page.">
                          weights missing
                        </span>
                      )}
                    </span>
                    <span className="arch-facts muted small">
                      {a.inputSize === 'shape3D' ? 'volumes at the 3D shape below' : `${a.inputSize[0]}×${a.inputSize[1]} px`} · about {a.parametersMillions < 1 ? a.parametersMillions.toFixed(1) : Math.round(a.parametersMillions)} million parameters ·{' '}
                      {SPEED[a.speedHint]}
                    </span>
                    <span className="arch-description">{a.description}</span>
                  </span>
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
      {notReady.length > 0 && (
        <p className="hint warn" data-testid="weights-hint">
          The pretrained weights of {notReady.join(', ')} must be imported first{weightsDir ? ` (into ${weightsDir})` : ''}: AUCMEDI cannot download them offline. Import them under Pretrained weights on the Setup page. Vanilla needs none.
        </p>
      )}
    </div>
  );
}
