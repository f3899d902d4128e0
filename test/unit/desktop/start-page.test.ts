import { describe, expect, it } from 'vitest';
import { rememberedPage, rememberPage, startPage } from '../../../renderer/src/start-page';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  } as Storage;
}

describe('the page the app opens on', () => {
  it('is Setup while the engine or the AUCMEDI image is missing, and on the first start', () => {
    expect(startPage({ engineOk: false, imagePresent: true, lastPage: 'train' })).toBe('setup');
    expect(startPage({ engineOk: true, imagePresent: false, lastPage: 'train' })).toBe('setup');
    expect(startPage({ engineOk: true, imagePresent: true, lastPage: null })).toBe('setup');
  });

  it('is the last page otherwise, a run page counting as Runs', () => {
    const storage = memoryStorage();
    rememberPage('predict', storage);
    expect(startPage({ engineOk: true, imagePresent: true, lastPage: rememberedPage(storage) })).toBe('predict');
    rememberPage('run', storage);
    expect(rememberedPage(storage)).toBe('runs');
  });

  it('ignores a stored value that is no page, and storage that refuses', () => {
    const storage = memoryStorage();
    storage.setItem('aucmedi-desk.last-page', 'javascript:alert(1)');
    expect(rememberedPage(storage)).toBeNull();
    const refusing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); } } as unknown as Storage;
    expect(() => rememberPage('train', refusing)).not.toThrow();
    expect(rememberedPage(refusing)).toBeNull();
  });
});
