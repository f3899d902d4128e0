import { useLayoutEffect, useRef, useState } from 'react';
import type { PickedPath, Response, UserError } from '../../../src/api';
import { useFormat, useT } from '../i18n';
import { Problem } from './Problem';

const LINE_HEIGHT = 20;
const OVERSCAN = 10;

interface LogPanelProps {
  lines: readonly string[];
  /** The line still being written (already resolved for display), shown last. */
  partial?: string;
  /** Lines dropped from the front to keep memory bounded. */
  dropped?: number;
  /** The beginning of a long log was not read at all. */
  skipped?: boolean;
  height?: number;
  /** Where the whole log is, said when lines were dropped. */
  fullLogHint?: string;
  testId?: string;
  /** Saves the whole log to a file the user picks; absent: no Save button. */
  onSave?: () => Promise<Response<PickedPath>>;
}

const levelOf = (line: string) =>
  /Traceback|Error\b|error:|^\s*E\d{4}|Exception|Killed|out of memory/i.test(line) ? 'log-error' : /warn/i.test(line) ? 'log-warn' : /^Epoch \d+/.test(line) ? 'log-epoch' : '';

/**
 * The console log in a fixed-height box that renders only the lines in view. It follows the end
 * while the user is at the bottom, and stays put once they scroll up to read.
 */
export function LogPanel({ lines, partial = '', dropped = 0, skipped = false, height = 320, fullLogHint, testId = 'log-panel', onSave }: LogPanelProps) {
  const t = useT();
  const format = useFormat();
  const boxRef = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [follow, setFollow] = useState(true);
  const [copied, setCopied] = useState<string | null>(null);
  const [saved, setSaved] = useState<{ path: string } | { error: UserError } | null>(null);
  const [saving, setSaving] = useState(false);
  const all = partial ? lines.length + 1 : lines.length;
  const total = all * LINE_HEIGHT;

  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box && follow) {
      box.scrollTop = box.scrollHeight;
      setScrollTop(box.scrollTop);
    }
  }, [all, partial, follow]);

  const onScroll = () => {
    const box = boxRef.current;
    if (!box) return;
    setScrollTop(box.scrollTop);
    setFollow(box.scrollTop + box.clientHeight >= box.scrollHeight - LINE_HEIGHT);
  };

  const first = Math.max(0, Math.floor(scrollTop / LINE_HEIGHT) - OVERSCAN);
  const last = Math.min(all, Math.ceil((scrollTop + height) / LINE_HEIGHT) + OVERSCAN);
  const visible: { index: number; text: string }[] = [];
  for (let i = first; i < last; i += 1) visible.push({ index: i, text: i < lines.length ? lines[i]! : partial });

  const copy = async () => {
    const text = (partial ? [...lines, partial] : lines).join('\n');
    try {
      await navigator.clipboard.writeText(text);
      setCopied(t('runsPage:log.copied', { count: all, n: format.number(all) }));
    } catch {
      setCopied(t('runsPage:log.copyFailed'));
    }
  };

  const save = async () => {
    if (!onSave) return;
    setSaving(true);
    const response = await onSave();
    setSaving(false);
    if (!response.ok) setSaved({ error: response.error });
    else setSaved(response.data.path ? { path: response.data.path } : null);
  };

  return (
    <div className="log-panel" data-testid={testId}>
      <div className="log-toolbar">
        <span className="muted small" data-testid="log-count">
          {t('runsPage:log.lines', { count: all, n: format.number(all) })}
          {(dropped > 0 || skipped) && ` · ${fullLogHint ? t('runsPage:log.earlierHiddenWhere', { where: fullLogHint }) : t('runsPage:log.earlierHidden')}`}
        </span>
        <span className="log-actions">
          {!follow && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setFollow(true);
              }}
              data-testid="log-follow"
            >
              {t('runsPage:log.jumpToEnd')}
            </button>
          )}
          <button type="button" className="secondary" onClick={() => void copy()} disabled={all === 0} data-testid="log-copy">
            {t('runsPage:log.copy')}
          </button>
          {onSave && (
            <button type="button" className="secondary" onClick={() => void save()} disabled={saving} data-testid="log-save">
              {t('runsPage:log.save')}
            </button>
          )}
        </span>
      </div>
      {copied && (
        <p className="muted small" role="status">
          {copied}
        </p>
      )}
      {saved && 'path' in saved && (
        <p className="small" role="status" data-testid="log-saved">
          {t('runsPage:log.savedTo')} <code>{saved.path}</code>
        </p>
      )}
      {saved && 'error' in saved && <Problem error={saved.error} testId="log-save-error" />}
      <div className="log-box" ref={boxRef} onScroll={onScroll} style={{ height }} tabIndex={0} role="log" aria-label={t('runsPage:log.boxLabel')} aria-live="off">
        <div style={{ height: total, position: 'relative' }}>
          {visible.map(({ index, text }) => (
            <div key={index} className={`log-line ${levelOf(text)}`} style={{ top: index * LINE_HEIGHT, height: LINE_HEIGHT }}>
              {text || '\u00a0'}
            </div>
          ))}
        </div>
        {all === 0 && <p className="muted log-empty">{t('runsPage:log.empty')}</p>}
      </div>
    </div>
  );
}
