import type { DatasetClass } from '../../../src/api';

/** One bar per class, scaled to the largest. */
export function ClassBars({ classes }: { classes: DatasetClass[] }) {
  const max = Math.max(1, ...classes.map((c) => c.count));
  return (
    <ul className="class-bars" data-testid="class-bars">
      {classes.map((c) => (
        <li key={c.name} data-testid="class-bar">
          <span className="class-name" title={c.name}>
            {c.name}
          </span>
          <span className="bar-track">
            <span className="bar" style={{ width: `${(c.count / max) * 100}%` }} />
          </span>
          <span className="class-count">{c.count}</span>
        </li>
      ))}
    </ul>
  );
}
