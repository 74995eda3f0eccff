import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** Where `npm install` (scripts/build-web.mjs) puts the dashboard built by Vite. */
export const DASHBOARD_DIST = resolve(fileURLToPath(new URL('../../web/dist', import.meta.url)));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** A built file ready to send, with its gzip form for clients that accept it. */
export interface BuiltFile {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer> | null;
  type: string;
  /** Vite names files under assets/ by content hash: they never change. */
  immutable: boolean;
}

/**
 * Reads the dashboard's built files from `root`, keeping them in memory (the whole build
 * is a few hundred kB) so a request costs no disk read.
 */
export function dashboardFiles(root: string = DASHBOARD_DIST): { get(path: string): BuiltFile | null; built: boolean } {
  const cache = new Map<string, BuiltFile | null>();
  return {
    get built() {
      return existsSync(join(root, 'index.html'));
    },
    get(path: string): BuiltFile | null {
      const relative = path === '/' ? 'index.html' : decodeURIComponent(path).replace(/^\/+/, '');
      if (cache.has(relative)) return cache.get(relative) ?? null;
      const full = normalize(join(root, relative));
      // Only files inside the build folder, never `..` out of it.
      if (!full.startsWith(root + sep) || !existsSync(full)) return null;
      const body = new Uint8Array(readFileSync(full));
      const type = TYPES[extname(full)] ?? 'application/octet-stream';
      const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.byteLength > 1024;
      const file: BuiltFile = {
        body,
        gzip: compressible ? new Uint8Array(gzipSync(body, { level: 9 })) : null,
        type,
        immutable: relative.startsWith('assets/'),
      };
      cache.set(relative, file);
      return file;
    },
  };
}
