// Builds the dashboard into dist/, served by the API under /ui (apps/api/src/ui/plugin.ts). Everything it needs
// is bundled: nothing is fetched from a CDN at run time.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  root: import.meta.dirname,
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024, sourcemap: true },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
});
