// Builds the Svelte renderer (renderer/ → dist/renderer/). The output must run under the strict CSP of
// both shells (script-src 'self', style-src 'self'): no inline scripts or styles, nothing remote, no
// assets inlined as data: URLs. `base: './'` keeps asset URLs relative, so the same build loads from
// the serve shell (http://127.0.0.1:PORT/) and from Electron's app:// protocol.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    // The polyfill is only for browsers without modulepreload; every shell here has it.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: { host: '127.0.0.1', strictPort: true },
});
