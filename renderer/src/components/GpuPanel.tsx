import { useEffect, useState } from 'react';
import type { GpuSampleBatch } from '../../../src/api';
import { onCoreEvent } from '../bridge';

/** Readings kept for the sparkline: two minutes at one reading every 3 s. */
const HISTORY = 40;

const gb = (mib: number) => `${(mib / 1024).toFixed(1)} GB`;

function Meter({ label, fraction, text, testId }: { label: string; fraction: number | null; text: string; testId: string }) {
  return (
    <div className="gpu-meter" data-testid={testId}>
      <span className="gpu-meter-label">{label}</span>
      <span className="bar-track" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)} aria-valuetext={text}>
        {fraction !== null && <span className="bar" style={{ width: `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%` }} />}
      </span>
      <span className="gpu-meter-value">{text}</span>
    </div>
  );
}

function Sparkline({ values }: { values: (number | null)[] }) {
  const width = 120;
  const height = 28;
  // Fills from the right; a short history is spread over at least 30 s so a few readings still read as a line.
  const step = width / (Math.max(10, values.length) - 1);
  const offset = width - (values.length - 1) * step;
  const points = values.flatMap((v, i) => (v === null ? [] : [`${(offset + i * step).toFixed(1)},${(height - 1 - (Math.min(100, v) / 100) * (height - 2)).toFixed(1)}`]));
  return (
    <svg className="sparkline" width={width} height={height} aria-hidden="true" data-testid="gpu-sparkline" data-points={points.length}>
      <rect width={width} height={height} className="chart-plot" rx="3" />
      {points.length > 0 && <polyline points={points.join(' ')} fill="none" stroke="var(--accent)" strokeWidth="1.5" strokeLinejoin="round" />}
    </svg>
  );
}

/** Utilisation and memory of each GPU the run uses, from the readings the core pushes every few seconds. */
export function GpuPanel({ runId, names }: { runId: string; names: ReadonlyMap<number, string> }) {
  const [samples, setSamples] = useState<GpuSampleBatch[]>([]);
  useEffect(() => {
    setSamples([]);
    return onCoreEvent((event) => {
      if (event.type === 'run:gpu' && event.runId === runId) setSamples((list) => [...list.slice(1 - HISTORY), event.sample]);
    });
  }, [runId]);

  const latest = samples[samples.length - 1];
  if (!latest) return <p className="muted" data-testid="gpu-waiting">Waiting for the first reading of the GPU (every few seconds)…</p>;
  return (
    <div data-testid="gpu-panel">
      <ul className="gpu-list">
        {latest.gpus.map((gpu) => {
          const name = names.get(gpu.index);
          const memory = gpu.memoryUsedMiB !== null && gpu.memoryTotalMiB ? gpu.memoryUsedMiB / gpu.memoryTotalMiB : null;
          return (
            <li key={gpu.index} className="gpu-item" data-testid="gpu-item" data-index={gpu.index}>
              <strong className="gpu-name">
                GPU {gpu.index}
                {name && <span className="muted"> · {name}</span>}
              </strong>
              <div className="gpu-meters">
                <Meter
                  label="Busy"
                  fraction={gpu.utilizationPercent === null ? null : gpu.utilizationPercent / 100}
                  text={gpu.utilizationPercent === null ? 'not reported' : `${gpu.utilizationPercent} %`}
                  testId="gpu-utilization"
                />
                <Meter
                  label="Memory"
                  fraction={memory}
                  text={gpu.memoryUsedMiB === null ? 'not reported' : `${gb(gpu.memoryUsedMiB)}${gpu.memoryTotalMiB ? ` of ${gb(gpu.memoryTotalMiB)}` : ''}`}
                  testId="gpu-memory"
                />
              </div>
              <Sparkline values={samples.map((s) => s.gpus.find((g) => g.index === gpu.index)?.utilizationPercent ?? null)} />
            </li>
          );
        })}
      </ul>
      <p className="muted small">
        Last reading at {new Date(latest.at).toLocaleTimeString()}. The small chart shows how busy the GPU was over the last two minutes.
      </p>
    </div>
  );
}
