import type { ConfusionMatrix } from '../../../src/api';

const images = (n: number) => `${n.toLocaleString()} ${n === 1 ? 'image' : 'images'}`;

/**
 * The confusion matrix as the app computed it, scored the way AUCMEDI scored it (its decision from the
 * predictions, see aucmediMultiLabel): truth × predicted (single label), or TP/FP/FN/TN per class (multi-label).
 */
export function ConfusionView({ confusion }: { confusion: ConfusionMatrix }) {
  if (confusion.kind === 'multi-label') {
    return (
      <>
        <p className="muted small">
          Across the set the model&apos;s probabilities add up to more than one per image, so AUCMEDI scored them as several labels per image: each class is counted on its own, as predicted when its probability is at least{' '}
          {Math.round(confusion.threshold * 100)} %. TP: labelled and predicted; FP: predicted but not labelled; FN: labelled but missed; TN: neither.
        </p>
        <table className="table confusion-table" data-testid="confusion-matrix" data-kind="multi-label">
          <thead>
            <tr>
              <th>Class</th>
              <th>TP</th>
              <th>FP</th>
              <th>FN</th>
              <th>TN</th>
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
      <p className="muted small">
        One label per image, as AUCMEDI scored these predictions: each image counts as predicted for its most probable class, whatever the annotation file&apos;s format. Rows: the label each image has. Columns: what the model
        predicted. The diagonal (green) are the right answers; every other cell (red) is a kind of mistake. Hover a cell for its meaning.
      </p>
      <div className="confusion-wrap">
        <table className="confusion-grid" data-testid="confusion-matrix" data-kind="single-label">
          <thead>
            <tr>
              <th className="confusion-corner">
                <span className="muted small">label ↓ · predicted →</span>
              </th>
              {classes.map((name) => (
                <th key={name} scope="col">
                  {name}
                </th>
              ))}
              <th scope="col" className="muted">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, t) => {
              const total = row.reduce((sum, n) => sum + n, 0);
              return (
                <tr key={classes[t]}>
                  <th scope="row">{classes[t]}</th>
                  {row.map((n, p) => {
                    const text = `${images(n)} of class ${classes[t]} predicted as ${classes[p]}`;
                    const strength = total && n ? 0.15 + 0.7 * (n / total) : 0;
                    const rgb = t === p ? '76, 195, 138' : '255, 122, 107';
                    return (
                      <td
                        key={classes[p]}
                        className="confusion-cell"
                        style={{ background: `rgba(${rgb}, ${strength.toFixed(3)})` }}
                        title={text}
                        aria-label={text}
                        data-testid="confusion-cell"
                        data-truth={classes[t]}
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
