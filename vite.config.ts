import { defineConfig, type Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './electron/csp';

/** The same CSP the app:// protocol sends as a header, also as a meta tag (the e2e harness serves files without headers). */
const cspMeta = (): Plugin => ({
  name: 'csp-meta',
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
});

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [cspMeta()],
  esbuild: { jsx: 'automatic' },
  build: { outDir: '../dist/renderer', emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
});
