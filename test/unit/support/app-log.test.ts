import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_LOG_NAME, AppLog } from '../../../src/support/app-log';
import { tempDir } from '../../helpers/temp';

describe('the app log', () => {
  it('writes one line per event with time and level; a newline in a message cannot forge another entry', () => {
    const dir = path.join(tempDir('aucmedi-log-'), 'logs');
    const log = new AppLog(dir);
    log.info('started', { electron: '45.4.1' });
    log.warn('window: not responding');
    log.error('main process: uncaught exception', new TypeError('x is undefined'));
    log.info('forged\n2026-01-01T00:00:00.000Z ERROR injected');
    const lines = readFileSync(log.file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  started: \{"electron":"45\.4\.1"\}$/);
    expect(lines[1]).toMatch(/ WARN  window: not responding$/);
    expect(lines[2]).toMatch(/ ERROR main process: uncaught exception: TypeError: x is undefined at /);
    expect(lines[3]).toMatch(/ INFO  forged \| 2026-01-01T00:00:00\.000Z ERROR injected$/);
  });

  it('rotates past its size cap, keeping a fixed number of old files, newest first in files()', () => {
    const dir = tempDir('aucmedi-log-rotate-');
    const log = new AppLog(dir, { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 100; i++) log.info(`event ${String(i).padStart(3, '0')} ${'x'.repeat(60)}`);
    expect(readdirSync(dir).sort()).toEqual([APP_LOG_NAME, `${APP_LOG_NAME}.1`, `${APP_LOG_NAME}.2`]);
    const files = log.files();
    expect(files.map((file) => path.basename(file))).toEqual([APP_LOG_NAME, `${APP_LOG_NAME}.1`, `${APP_LOG_NAME}.2`]);
    for (const file of files) expect(readFileSync(file).length).toBeLessThanOrEqual(1000);
    expect(readFileSync(files[0]!, 'utf8')).toContain('event 099');
    // the generations follow each other: the newest old file ends just before the current one begins
    const firstCurrent = Number(/event (\d+)/.exec(readFileSync(files[0]!, 'utf8'))![1]);
    const lastOld = Number([...readFileSync(files[1]!, 'utf8').matchAll(/event (\d+)/g)].at(-1)![1]);
    expect(firstCurrent).toBe(lastOld + 1);
  });

  it('loses the line, never the app, where it cannot write', () => {
    const log = new AppLog('/proc/aucmedi-desk-cannot-be-here');
    expect(() => log.error('nowhere to go')).not.toThrow();
    expect(log.files()).toEqual([]);
  });
});
