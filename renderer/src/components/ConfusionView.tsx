import type { ConfusionMatrix } from '../../../src/api';
import { useFormat, useT } from '../i18n';

/** AUCMEDI's names of the four counts of a multi-label class. */
const COUNTS = ['TP', 'FP', 'FN', 'TN'] as const;

/**
 * The confusion matrix as the app computed it, scored the way AUCMEDI scored it (its decision from the
 * predictions, see aucmediMultiLabel): truth × predicted (single label), or TP/FP/FN/TN per class (multi-label).
 */
export function ConfusionView({ confusion }: { confusion: ConfusionMatrix }) {
  const t = useT();
  const format = useFormat();
  if (confusion.kind === 'multi-label') {
    return (
      <>
        <p className="muted small">{t('apply:confusion.multiLabelExplain', { threshold: format.number(Math.round(confusion.threshold * 100)) })}</p>
        <table className="table confusion-table" data-testid="confusion-matrix" data-kind="multi-label">
          <thead>
            <tr>
              <th>{t('apply:confusion.class')}</th>
              {COUNTS.map((name) => (
                <th key={name}>{name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {confusion.perClass.map((c) => (
              <tr key={c.className} data-testid="confusion-class" data-class={c.className} data-tp={c.tp} data-fp={c.fp} data-fn={c.fn} data-tn={c.tn}>
                <th scope="row">{c.className}</th>
                <td className="number">{c.tp}</td>
                <td className="number">{c.fp}</td>
                <td className="number">{c.fn}</td>
                <td className="number">{c.tn}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>
    );
  }
  const { classes, matrix } = confusion;
  return (
    <>
      <p className="muted small">{t('apply:confusion.singleLabelExplain')}</p>
      <div className="confusion-wrap">
        <table className="confusion-grid" data-testid="confusion-matrix" data-kind="single-label">
          <thead>
            <tr>
              <th className="confusion-corner">
                <span className="muted small">{t('apply:confusion.corner')}</span>
              </th>
              {classes.map((name) => (
                <th key={name} scope="col">
                  {name}
                </th>
              ))}
              <th scope="col" className="muted">
                {t('apply:confusion.total')}
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, truth) => {
              const total = row.reduce((sum, n) => sum + n, 0);
              return (
                <tr key={classes[truth]}>
                  <th scope="row">{classes[truth]}</th>
                  {row.map((n, p) => {
                    const text = t('apply:confusion.cell', { count: n, truth: classes[truth], predicted: classes[p] });
                    const strength = total && n ? 0.15 + 0.7 * (n / total) : 0;
                    const rgb = truth === p ? '76, 195, 138' : '255, 122, 107';
                    return (
                      <td
                        key={classes[p]}
                        className="confusion-cell"
                        style={{ background: `rgba(${rgb}, ${strength.toFixed(3)})` }}
                        title={text}
                        aria-label={text}
                        data-testid="confusion-cell"
                        data-truth={classes[truth]}
                        data-predicted={classes[p]}
                        data-count={n}
                      >
                        {n}
                      </td>
                    );
                  })}
                  <td className="number muted">{total}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
