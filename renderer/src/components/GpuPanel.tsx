import { useEffect, useState } from 'react';
import type { GpuSampleBatch } from '../../../src/api';
import { onCoreEvent } from '../bridge';
import { useFormat, useT } from '../i18n';

/** Readings kept for the sparkline: two minutes at one reading every 3 s. */
const HISTORY = 40;

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
  const t = useT();
  const format = useFormat();
  const mib = (value: number) => format.size(value * 1024 * 1024);

  const latest = samples[samples.length - 1];
  if (!latest) return <p className="muted" data-testid="gpu-waiting">{t('setup:gpu.waiting')}</p>;
  return (
    <div data-testid="gpu-panel">
      <ul className="gpu-list">
        {latest.gpus.map((gpu) => {
          const name = names.get(gpu.index);
          const memory = gpu.memoryUsedMiB !== null && gpu.memoryTotalMiB ? gpu.memoryUsedMiB / gpu.memoryTotalMiB : null;
          return (
            <li key={gpu.index} className="gpu-item" data-testid="gpu-item" data-index={gpu.index}>
              <strong className="gpu-name">
                {t('setup:gpu.gpuName', { index: gpu.index })}
                {name && <span className="muted"> · {name}</span>}
              </strong>
              <div className="gpu-meters">
                <Meter
                  label={t('setup:gpu.busy')}
                  fraction={gpu.utilizationPercent === null ? null : gpu.utilizationPercent / 100}
                  text={gpu.utilizationPercent === null ? t('setup:gpu.notReported') : t('setup:gpu.percent', { value: gpu.utilizationPercent })}
                  testId="gpu-utilization"
                />
                <Meter
                  label={t('setup:gpu.memory')}
                  fraction={memory}
                  text={gpu.memoryUsedMiB === null ? t('setup:gpu.notReported') : gpu.memoryTotalMiB ? t('setup:gpu.memoryOf', { used: mib(gpu.memoryUsedMiB), total: mib(gpu.memoryTotalMiB) }) : mib(gpu.memoryUsedMiB)}
                  testId="gpu-memory"
                />
              </div>
              <Sparkline values={samples.map((s) => s.gpus.find((g) => g.index === gpu.index)?.utilizationPercent ?? null)} />
            </li>
          );
        })}
      </ul>
      <p className="muted small">
        {t('setup:gpu.lastReading', { time: format.dateTime(latest.at) })}
      </p>
    </div>
  );
}
