/**
 * Issue 16: each architecture's description is also a catalog message (`i18n.description`, the
 * window renders it in the user's language); `description` stays the core's English sentence
 * (search, CLI), and the English catalog says exactly the same.
 */
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../../src/aucmedi/architectures';
import { createI18n, renderMessage, text } from '../../../src/i18n/translate';

describe('architecture descriptions through the catalog', () => {
  const german = createI18n('de');

  it('renders the English description exactly, and a German one of its own', () => {
    for (const a of ARCHITECTURES) {
      const message = a.i18n?.description;
      expect(message?.key, a.key).toBe(`training:architectureText.${a.dimensionality === '3D' ? 'd3' : 'd2'}.${a.key}`);
      expect(text(message!), `${a.dimensionality} ${a.key}`).toBe(a.description);
      const de = renderMessage(german, message!);
      expect(de, `${a.dimensionality} ${a.key}`).not.toBe(a.description);
      expect(de, `${a.dimensionality} ${a.key}`).not.toBe(message!.key);
    }
  });
});
