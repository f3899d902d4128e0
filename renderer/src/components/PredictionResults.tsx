import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import type { PredictionRow, UserError } from '../../../src/api';
import { repeatabilityNote } from '../../../src/api/repeatability';
import type { PredictionRecord } from '../../../src/api/runs';
import { useAppStore } from '../store';
import { runImageOf, THUMBNAIL_PX } from '../store/predict';
import { Problem } from './Problem';
import { OpenFolderButton, OutputFolderFact } from './OpenFolderButton';

/** Rows shown at first, and added by each "Show more". */
const PAGE_ROWS = 50;
export const CLASS_COLORS = ['#5eb1ff', '#ffa657', '#4cc38a', '#c39bff', '#ff7a6b', '#ffd166', '#56d4dd', '#f78fb3', '#a3be8c', '#9aa7b8'];
export const classColor = (index: number) => CLASS_COLORS[index % CLASS_COLORS.length]!;

type SortKey = 'sample' | 'predicted' | 'probability';
const SORT_LABEL: Record<SortKey, string> = { sample: 'Image', predicted: 'Predicted class', probability: 'Probability' };

export const percent = (p: number | null) => (p === null ? '–' : `${(p * 100).toFixed(1)} %`);

function compareRows(key: SortKey): (a: PredictionRow, b: PredictionRow) => number {
  if (key === 'sample') return (a, b) => a.sample.localeCompare(b.sample, undefined, { numeric: true });
  if (key === 'predicted') return (a, b) => (a.predictedClass ?? '').localeCompare(b.predictedClass ?? '') || a.sample.localeCompare(b.sample, undefined, { numeric: true });
  return (a, b) => (a.probability ?? -1) - (b.probability ?? -1);
}

/** "Confidence below X %" as typed: a fraction, null when empty, or a sentence when it is no percentage. */
function parseBelow(text: string): { below: number | null } | { problem: string } {
  if (!text.trim()) return { below: null };
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 100) return { problem: 'Enter a percentage above 0 and at most 100.' };
  return { below: value / 100 };
}

const LARGE_PX = 320;

/** A thumbnail read through the core when its row comes into view. */
function Thumb({ runId, sample, kind, px = THUMBNAIL_PX }: { runId: string; sample: string; kind: 'image' | 'heatmap'; px?: number }) {
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
  const label = kind === 'heatmap' ? `Heat map of ${sample}` : sample;
  return (
    <span ref={ref} className={px > THUMBNAIL_PX ? 'run-thumb large' : 'run-thumb'} title={image && !image.url ? `${label}: ${image.reason ?? 'not shown'}` : label}>
      {image?.url ? (
        <img src={image.url} alt={label} data-testid={`${kind === 'heatmap' ? 'heatmap' : 'image'}-${px > THUMBNAIL_PX ? 'large' : 'thumb'}`} />
      ) : (
        <span className="thumb-placeholder">{image ? 'none' : '…'}</span>
      )}
    </span>
  );
}

/** One small bar per class with its probability. */
function ClassProbabilities({ classes, row }: { classes: string[]; row: PredictionRow }) {
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
  const active = sort.key === which;
  return (
    <th aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(which)} data-testid={`prediction-sort-${which}`}>
        {SORT_LABEL[which]}
        <span aria-hidden="true">{active ? (sort.ascending ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

/** A finished prediction: every image with its predicted class, filterable and sortable, with thumbnails and heat maps. */
export function PredictionResults({ record }: { record: PredictionRecord }) {
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
  const [exported, setExported] = useState<{ path: string } | { error: UserError } | null>(null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    void loadPredictionTable(record.id);
  }, [record.id, loadPredictionTable]);

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
  const exportTable = async () => {
    setExporting(true);
    const response = await exportPredictions(record.id, { predictedClass: classFilter || null, below: belowValue });
    setExporting(false);
    if (!response.ok) setExported({ error: response.error });
    else setExported(response.data.path ? { path: response.data.path } : null);
  };

  return (
    <>
      <section className="card" aria-labelledby="prediction-files-heading" data-testid="run-results">
        <h2 id="prediction-files-heading">Results</h2>
        <dl className="facts">
          <OutputFolderFact record={record} />
          <dt>Predictions</dt>
          <dd>
            <code>{record.results?.file ?? 'preds.csv'}</code>: one row per image, one probability per class. It stays exactly as AUCMEDI wrote it; Export below writes a copy of what the table shows.
          </dd>
          {record.options.xaiMethod && (
            <>
              <dt>Heat maps</dt>
              <dd>
                <code>xai/</code>: {record.results?.heatMaps ?? 0} heat maps made with {record.options.xaiMethod}, each named as its image (<code>&lt;image&gt;.&lt;its extension&gt;</code>)
                {volumes && table && (
                  <div data-testid="heatmap-volumes">
                    <p className="small">
                      They are 3D volumes (a colour overlay on the cropped scan, e.g. <code>{Object.values(table.heatMapFiles)[0]}</code>), which this window does not draw. Open them in a volume viewer such as 3D Slicer or ITK-SNAP, from{' '}
                      <code data-testid="heatmap-dir">{table.heatMapDir}</code>.
                    </p>
                    <div className="open-folder">
                      <OpenFolderButton runId={record.id} label="Open output folder" showError={false} />
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
          <h2 id="prediction-table-heading">Predictions</h2>
          {table && (
            <span className="muted" data-testid="prediction-count" data-shown={Math.min(shown, rows.length)} data-matching={rows.length}>
              {rows.length === table.rows.length ? `${table.rows.length.toLocaleString()} images` : `${rows.length.toLocaleString()} of ${table.rows.length.toLocaleString()} images`}
            </span>
          )}
        </header>
        {error && <Problem error={error} testId="prediction-error" />}
        {!table && !error && <p className="muted">Reading the predictions…</p>}
        {table && (
          <>
            <p className="muted small">
              Each image gets the class with the highest probability. A low probability means the model was unsure: these are the images to look at yourself. Filter for them with &ldquo;Probability below&rdquo;; click an image to see it larger.
            </p>
            {repeatabilityNote(record.model) && (
              <p className="muted small" data-testid="prediction-repeatability">
                {repeatabilityNote(record.model)}
              </p>
            )}
            <div className="table-tools">
              <div className="field">
                <label htmlFor="prediction-filter-class">Predicted class</label>
                <select id="prediction-filter-class" value={classFilter} onChange={(event) => setClassFilter(event.target.value)} data-testid="prediction-filter-class">
                  <option value="">All classes</option>
                  {table.classes.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor="prediction-filter-below">Probability below (%)</label>
                <input id="prediction-filter-below" type="number" min={0} max={100} step="any" placeholder="any" value={belowText} onChange={(event) => setBelowText(event.target.value)} data-testid="prediction-filter-below" />
                {'problem' in below && <p className="hint warn small">{below.problem}</p>}
              </div>
              {pictures && (
                <label className="checkbox">
                  <input type="checkbox" checked={showHeatMaps} onChange={(event) => setShowHeatMaps(event.target.checked)} data-testid="prediction-heatmaps" />
                  Show heat maps beside the images
                </label>
              )}
              <div className="actions push-right">
                <button type="button" className="secondary" onClick={() => void exportTable()} disabled={exporting} data-testid="prediction-export">
                  Export table (CSV)…
                </button>
              </div>
            </div>
            {exported && 'path' in exported && (
              <p className="small" role="status" data-testid="prediction-exported">
                Saved to <code>{exported.path}</code>
                {classFilter || belowValue !== null ? ' (the rows the filter shows)' : ''}
              </p>
            )}
            {exported && 'error' in exported && <Problem error={exported.error} testId="prediction-export-error" />}
            <table className="table prediction-table" data-testid="prediction-table">
              <thead>
                <tr>
                  <th>{showHeatMaps ? 'Image and heat map' : 'Image'}</th>
                  <SortHeader which="sample" sort={sort} onSort={onSort} />
                  <SortHeader which="predicted" sort={sort} onSort={onSort} />
                  <SortHeader which="probability" sort={sort} onSort={onSort} />
                  <th>All classes</th>
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
                          aria-label={`${row.sample}: ${opened === row.sample ? 'hide the large view' : 'show larger'}`}
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
                            {row.sample}: {row.predictedClass ?? 'no prediction'} {percent(row.probability)}
                            {pictures && heatMaps.has(row.sample) ? ' · right: the heat map (red: what weighed most)' : ''}
                            {volumes && table.heatMapFiles[row.sample] && (
                              <span data-testid="heatmap-volume-file">
                                {' '}
                                · heat map (a volume, for a volume viewer): <code>{table.heatMapDir}/{table.heatMapFiles[row.sample]}</code>
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
            {rows.length === 0 && <p className="muted">No image matches the filter.</p>}
            {rows.length > shown && (
              <div className="actions">
                <button type="button" className="secondary" onClick={() => setShown(shown + PAGE_ROWS)} data-testid="prediction-more">
                  Show {Math.min(PAGE_ROWS, rows.length - shown)} more ({(rows.length - shown).toLocaleString()} not shown)
                </button>
              </div>
            )}
          </>
        )}
      </section>
    </>
  );
}
