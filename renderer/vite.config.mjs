// The renderer's build: renderer/ → dist/renderer/, relative asset paths so the same files load
// from disk in Electron and from the browser-mode server. Plain JS: it is build tooling run by
// Node, not part of the page (the renderer's own code never touches Node).
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts or styles: the CSP allows only files from 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
  logLevel: 'warn',
});
