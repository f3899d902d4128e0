import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/api/format';

describe('formatBytes', () => {
  it('uses binary units named as such (KiB, not KB for 1024) with one decimal, and says unknown for missing values', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(23.5 * 1024 ** 3)).toBe('23.5 GiB');
    expect(formatBytes(null)).toBe('unknown');
    expect(formatBytes(Number.NaN)).toBe('unknown');
  });
});
