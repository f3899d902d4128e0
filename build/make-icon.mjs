// Renders build/icon.svg to build/icon.png (1024 x 1024, transparent corners), the one icon file
// electron-builder turns into the .ico, .icns and Linux icon sizes. Run it after changing the SVG:
//   node build/make-icon.mjs        (needs Chromium: CHROMIUM_PATH, default /usr/bin/chromium)
// The PNG is committed, so packaging never needs a browser.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const size = 1024;
const svg = readFileSync(path.join(here, 'icon.svg'), 'utf8');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
  );
  await page.screenshot({ path: path.join(here, 'icon.png'), omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
} finally {
  await browser.close();
}
console.log(`wrote build/icon.png (${size} x ${size})`);
