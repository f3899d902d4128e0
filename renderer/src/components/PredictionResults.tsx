import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { Trans } from 'react-i18next';
import type { PredictionRow } from '../../../src/api';
import { repeatabilityMessage } from '../../../src/api/repeatability';
import type { PredictionRecord } from '../../../src/api/runs';
import { useLocalized, useMessage, usePercent, useT } from '../i18n';
import { useAppStore } from '../store';
import { runImageOf, THUMBNAIL_PX } from '../store/predict';
import { ExportButton } from './ExportButton';
import { Problem } from './Problem';
import { OpenFolderButton, OutputFolderFact } from './OpenFolderButton';

/** Rows shown at first, and added by each "Show more". */
const PAGE_ROWS = 50;
export const CLASS_COLORS = ['#5eb1ff', '#ffa657', '#4cc38a', '#c39bff', '#ff7a6b', '#ffd166', '#56d4dd', '#f78fb3', '#a3be8c', '#9aa7b8'];
export const classColor = (index: number) => CLASS_COLORS[index % CLASS_COLORS.length]!;

type SortKey = 'sample' | 'predicted' | 'probability';


function compareRows(key: SortKey): (a: PredictionRow, b: PredictionRow) => number {
  if (key === 'sample') return (a, b) => a.sample.localeCompare(b.sample, undefined, { numeric: true });
  if (key === 'predicted') return (a, b) => (a.predictedClass ?? '').localeCompare(b.predictedClass ?? '') || a.sample.localeCompare(b.sample, undefined, { numeric: true });
  return (a, b) => (a.probability ?? -1) - (b.probability ?? -1);
}

/** "Confidence below X %" as typed: a fraction, null when empty, or `invalid` when it is no percentage. */
function parseBelow(text: string): { below: number | null } | { invalid: true } {
  if (!text.trim()) return { below: null };
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 100) return { invalid: true };
  return { below: value / 100 };
}

const LARGE_PX = 320;

/** A thumbnail read through the core when its row comes into view. */
function Thumb({ runId, sample, kind, px = THUMBNAIL_PX }: { runId: string; sample: string; kind: 'image' | 'heatmap'; px?: number }) {
  const t = useT();
  const localized = useLocalized();
  const ref = useRef<HTMLSpanElement | null>(null);
  const image = useAppStore((s) => runImageOf(s.runImages, runId, sample, kind, px));
  const request = useAppStore((s) => s.requestRunImage);
  useEffect(() => {
    const element = ref.current;
    if (image || !element) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (!entries.some((entry) => entry.isIntersecting)) return;
        observer.disconnect();
        request(runId, sample, kind, px);
      },
      { rootMargin: '200px' },
    );
    observer.observe(element);
    return () => observer.disconnect();
  }, [image, runId, sample, kind, px, request]);
  const label = kind === 'heatmap' ? t('apply:predictions.heatMapOf', { sample }) : sample;
  const title = image && !image.url ? t('apply:predictions.notShownBecause', { label, reason: localized(image, 'reason') || t('apply:predictions.notShown') }) : label;
  return (
    <span ref={ref} className={px > THUMBNAIL_PX ? 'run-thumb large' : 'run-thumb'} title={title}>
      {image?.url ? (
        <img src={image.url} alt={label} data-testid={`${kind === 'heatmap' ? 'heatmap' : 'image'}-${px > THUMBNAIL_PX ? 'large' : 'thumb'}`} />
      ) : (
        <span className="thumb-placeholder">{image ? t('apply:predictions.none') : '…'}</span>
      )}
    </span>
  );
}

/** One small bar per class with its probability. */
function ClassProbabilities({ classes, row }: { classes: string[]; row: PredictionRow }) {
  const percent = usePercent();
  return (
    <ul className="prob-bars">
      {classes.map((name, i) => {
        const p = row.probabilities[i] ?? null;
        return (
          <li key={name} title={`${name}: ${percent(p)}`}>
            <span className="prob-name">{name}</span>
            <span className="prob-track">
              <span className="prob-fill" style={{ width: `${((p ?? 0) * 100).toFixed(1)}%`, background: classColor(i) }} />
            </span>
            <span className="prob-value">{percent(p)}</span>
          </li>
        );
      })}
    </ul>
  );
}

function SortHeader({ which, sort, onSort }: { which: SortKey; sort: { key: SortKey; ascending: boolean }; onSort(key: SortKey): void }) {
  const t = useT();
  const active = sort.key === which;
  return (
    <th aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(which)} data-testid={`prediction-sort-${which}`}>
        {t(`apply:predictions.sort.${which}`)}
        <span aria-hidden="true">{active ? (sort.ascending ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** A finished prediction: every image with its predicted class, filterable and sortable, with thumbnails and heat maps. */
export function PredictionResults({ record }: { record: PredictionRecord }) {
  const t = useT();
  const render = useMessage();
  const percent = usePercent();
  const table = useAppStore((s) => (s.predictionTable?.runId === record.id ? s.predictionTable.table : null));
  const error = useAppStore((s) => (s.predictionTableError?.runId === record.id ? s.predictionTableError.error : null));
  const { loadPredictionTable, exportPredictions } = useAppStore.getState();
  const [sort, setSort] = useState<{ key: SortKey; ascending: boolean }>({ key: 'sample', ascending: true });
  const [classFilter, setClassFilter] = useState('');
  const [belowText, setBelowText] = useState('');
  const [shown, setShown] = useState(PAGE_ROWS);
  const [showHeatMaps, setShowHeatMaps] = useState(false);
  /** The row whose image (and heat map) is shown large below it. */
  const [opened, setOpened] = useState<string | null>(null);

  useEffect(() => {
    void loadPredictionTable(record.id);
  }, [record.id, loadPredictionTable]);

  const repeatability = repeatabilityMessage(record.model);
  const below = parseBelow(belowText);
  const belowValue = 'below' in below ? below.below : null;
  const rows = useMemo(() => {
    if (!table) return [];
    const kept = table.rows.filter((row) => (!classFilter || row.predictedClass === classFilter) && (belowValue === null || (row.probability !== null && row.probability < belowValue)));
    const order = compareRows(sort.key);
    return kept.sort((a, b) => (sort.ascending ? order(a, b) : order(b, a)));
  }, [table, classFilter, belowValue, sort]);
  const heatMaps = useMemo(() => new Set(table?.heatMaps ?? []), [table]);
  /** 3D heat maps are volume files: named and found, not drawn. */
  const volumes = table?.heatMapVolumes ?? false;
  const pictures = heatMaps.size > 0 && !volumes;

  const onSort = (key: SortKey) => setSort((current) => ({ key, ascending: current.key === key ? !current.ascending : key !== 'probability' }));

  return (
    <>
      <section className="card" aria-labelledby="prediction-files-heading" data-testid="run-results">
        <h2 id="prediction-files-heading">{t('apply:predictions.resultsHeading')}</h2>
        <dl className="facts">
          <OutputFolderFact record={record} />
          <dt>{t('apply:predictions.predictions')}</dt>
          <dd>
            <Trans t={t} i18nKey="apply:predictions.file" values={{ file: record.results?.file ?? 'preds.csv' }} components={{ code: <code /> }} />
          </dd>
          {record.options.xaiMethod && (
            <>
              <dt>{t('apply:predictions.heatMaps')}</dt>
              <dd>
                <Trans t={t} i18nKey="apply:predictions.heatMapFiles" count={record.results?.heatMaps ?? 0} values={{ method: record.options.xaiMethod }} components={{ code: <code /> }} />
                {volumes && table && (
                  <div data-testid="heatmap-volumes">
                    <p className="small">
                      <Trans
                        t={t}
                        i18nKey="apply:predictions.volumes"
                        values={{ file: Object.values(table.heatMapFiles)[0] ?? '', dir: table.heatMapDir }}
                        components={{ code: <code />, dir: <code data-testid="heatmap-dir" /> }}
                      />
                    </p>
                    <div className="open-folder">
                      <OpenFolderButton runId={record.id} label={t('apply:predictions.openOutputFolder')} showError={false} />
                    </div>
                  </div>
                )}
              </dd>
            </>
          )}
        </dl>
      </section>

      <section className="card" aria-labelledby="prediction-table-heading" data-testid="prediction-results">
        <header className="card-header">
          <h2 id="prediction-table-heading">{t('apply:predictions.predictions')}</h2>
          {table && (
            <span className="muted" data-testid="prediction-count" data-shown={Math.min(shown, rows.length)} data-matching={rows.length}>
              {rows.length === table.rows.length ? t('apply:predictions.count', { count: table.rows.length }) : t('apply:predictions.countFiltered', { shown: rows.length, count: table.rows.length })}
            </span>
          )}
        </header>
        {error && <Problem error={error} testId="prediction-error" />}
        {!table && !error && <p className="muted">{t('apply:predictions.reading')}</p>}
        {table && (
          <>
            <p className="muted small">{t('apply:predictions.explain')}</p>
            {repeatability && (
              <p className="muted small" data-testid="prediction-repeatability">
                {render(repeatability)}
              </p>
            )}
            <ExportButton
              label={t('apply:predictions.export')}
              className="secondary"
              testIds={{ button: 'prediction-export', saved: 'prediction-exported', error: 'prediction-export-error' }}
              action={() => exportPredictions(record.id, { predictedClass: classFilter || null, below: belowValue })}
              saved={(path) => <Trans t={t} i18nKey={classFilter || belowValue !== null ? 'apply:predictions.savedToFiltered' : 'apply:predictions.savedTo'} values={{ path }} components={{ code: <code /> }} />}
              layout={(button, outcome) => (
                <>
                  <div className="table-tools">
                    <div className="field">
                      <label htmlFor="prediction-filter-class">{t('apply:predictions.sort.predicted')}</label>
                      <select id="prediction-filter-class" value={classFilter} onChange={(event) => setClassFilter(event.target.value)} data-testid="prediction-filter-class">
                        <option value="">{t('apply:predictions.allClasses')}</option>
                        {table.classes.map((name) => (
                          <option key={name} value={name}>
                            {name}
                          </option>
                        ))}
                      </select>
                    </div>
                    <div className="field">
                      <label htmlFor="prediction-filter-below">{t('apply:predictions.below')}</label>
                      <input
                        id="prediction-filter-below"
                        type="number"
                        min={0}
                        max={100}
                        step="any"
                        placeholder={t('apply:predictions.belowAny')}
                        value={belowText}
                        onChange={(event) => setBelowText(event.target.value)}
                        data-testid="prediction-filter-below"
                      />
                      {'invalid' in below && <p className="hint warn small">{t('apply:predictions.belowProblem')}</p>}
                    </div>
                    {pictures && (
                      <label className="checkbox">
                        <input type="checkbox" checked={showHeatMaps} onChange={(event) => setShowHeatMaps(event.target.checked)} data-testid="prediction-heatmaps" />
                        {t('apply:predictions.showHeatMaps')}
                      </label>
                    )}
                    <div className="actions push-right">{button}</div>
                  </div>
                  {outcome}
                </>
              )}
            />
            <table className="table prediction-table" data-testid="prediction-table">
              <thead>
                <tr>
                  <th>{showHeatMaps ? t('apply:predictions.imageAndHeatMap') : t('apply:predictions.sort.sample')}</th>
                  <SortHeader which="sample" sort={sort} onSort={onSort} />
                  <SortHeader which="predicted" sort={sort} onSort={onSort} />
                  <SortHeader which="probability" sort={sort} onSort={onSort} />
                  <th>{t('apply:predictions.allClasses')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.slice(0, shown).map((row) => (
                  <Fragment key={row.sample}>
                    <tr data-testid="prediction-row" data-sample={row.sample} data-predicted={row.predictedClass ?? ''} data-probability={row.probability ?? ''}>
                      <td className="thumb-cell">
                        <button
                          type="button"
                          className="thumb-button"
                          onClick={() => setOpened(opened === row.sample ? null : row.sample)}
                          aria-expanded={opened === row.sample}
                          aria-label={opened === row.sample ? t('apply:predictions.hideLarge', { sample: row.sample }) : t('apply:predictions.showLarger', { sample: row.sample })}
                          data-testid="prediction-open"
                        >
                          <Thumb runId={record.id} sample={row.sample} kind="image" />
                          {showHeatMaps && pictures && heatMaps.has(row.sample) && <Thumb runId={record.id} sample={row.sample} kind="heatmap" />}
                        </button>
                      </td>
                      <td className="sample-cell">
                        <code>{row.sample}</code>
                      </td>
                      <td>
                        {row.predictedClass !== null && <span className="class-swatch" style={{ background: classColor(table.classes.indexOf(row.predictedClass)) }} aria-hidden="true" />}
                        {row.predictedClass ?? '–'}
                      </td>
                      <td className="number">{percent(row.probability)}</td>
                      <td>
                        <ClassProbabilities classes={table.classes} row={row} />
                      </td>
                    </tr>
                    {opened === row.sample && (
                      <tr className="detail-row" data-testid="prediction-detail">
                        <td colSpan={5}>
                          <Thumb runId={record.id} sample={row.sample} kind="image" px={LARGE_PX} />
                          {pictures && heatMaps.has(row.sample) && <Thumb runId={record.id} sample={row.sample} kind="heatmap" px={LARGE_PX} />}
                          <span className="muted small detail-caption">
                            {row.sample}: {row.predictedClass ?? t('apply:predictions.noPrediction')} {percent(row.probability)}
                            {pictures && heatMaps.has(row.sample) && <> · {t('apply:predictions.heatMapRight')}</>}
                            {volumes && table.heatMapFiles[row.sample] && (
                              <span data-testid="heatmap-volume-file">
                                {' '}
                                · {t('apply:predictions.heatMapVolume')} <code>{table.heatMapDir}/{table.heatMapFiles[row.sample]}</code>
                              </span>
                            )}
                          </span>
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
            {rows.length === 0 && <p className="muted">{t('apply:predictions.noMatch')}</p>}
            {rows.length > shown && (
              <div className="actions">
                <button type="button" className="secondary" onClick={() => setShown(shown + PAGE_ROWS)} data-testid="prediction-more">
                  {t('apply:predictions.showMore', { count: Math.min(PAGE_ROWS, rows.length - shown), hidden: rows.length - shown })}
                </button>
              </div>
            )}
          </>
        )}
      </section>
    </>
  );
}
