// Builds the dashboard (web/) into web/dist with Vite. Runs at install time (postinstall)
// and from `npm start` when the build is missing (`--if-missing`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../web/', import.meta.url));
if (process.argv.includes('--if-missing') && existsSync(`${root}dist/index.html`)) process.exit(0);

const started = Date.now();
const { build } = await import('vite');
await build({ configFile: `${root}vite.config.ts`, root });
console.log(`dashboard built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
