import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { DASHBOARD_DOCUMENTS } from './src/queries.ts';

// The dashboard sends its documents by hash (persisted documents); the server computes
// the same SHA-256 of the same text (src/static/persisted.ts).
const hashes = Object.fromEntries(
  Object.entries(DASHBOARD_DOCUMENTS).map(([name, text]) => [name, createHash('sha256').update(text).digest('hex')]),
);

/** Builds web/ into web/dist, which the server serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  define: { __DOCUMENT_HASHES__: JSON.stringify(hashes) },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 900, reportCompressedSize: false },
  // The build runs at install time: keep it quiet unless something is wrong.
  logLevel: 'warn',
});
