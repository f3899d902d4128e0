import { describe, expect, it } from 'vitest';
import { conflicts } from '../../../src/runs/queue';

describe('which runs can go side by side', () => {
  const cpu = { kind: 'none' } as const;
  const all = { kind: 'all' } as const;
  const ids = (...list: string[]) => ({ kind: 'ids', ids: list }) as const;
  it('one CPU run at a time; GPU runs only on different GPUs; "all GPUs" takes them all', () => {
    expect(conflicts(cpu, cpu)).toBe(true);
    expect(conflicts(cpu, all)).toBe(false);
    expect(conflicts(cpu, ids('0'))).toBe(false);
    expect(conflicts(all, ids('1'))).toBe(true);
    expect(conflicts(all, all)).toBe(true);
    expect(conflicts(ids('0'), ids('1'))).toBe(false);
    expect(conflicts(ids('0', '1'), ids('1', '2'))).toBe(true);
    expect(conflicts(ids('GPU-a'), ids('GPU-b'))).toBe(false);
  });
});
