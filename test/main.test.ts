import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'sg-main-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts `src/main.ts` and resolves with the port once it logs that it listens. */
function start(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /localhost:(\d+)\/graphql/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

describe('npm start', () => {
  it('serves, stops cleanly on SIGINT, and opens its data folder again', async () => {
    const dir = join(root, 'data');
    const env = { DATABASE_URL: `pglite:${dir}`, SEED_DEMO: 'false' };
    const first = await start(env);
    const health = await fetch(`http://127.0.0.1:${first.port}/health`);
    expect(health.status).toBe(200);
    const graphql = await fetch(`http://127.0.0.1:${first.port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ teams { name } }' }),
    });
    expect(await graphql.json()).toEqual({ data: { teams: [] } });
    const done = exited(first.child);
    first.child.kill('SIGINT');
    expect(await done).toBe(0);
    expect(first.output()).toMatch(/stopped/);
    expect(existsSync(`${dir}.lock`)).toBe(false);

    const second = await start(env);
    const again = exited(second.child);
    second.child.kill('SIGTERM');
    expect(await again).toBe(0);
  });

  it('stops at once with a clear message on a bad DATABASE_URL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: 'mysql://localhost/db' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exited(child)).toBe(2);
    expect(stderr).toMatch(/DATABASE_URL "mysql:\/\/localhost\/db" is not supported; accepted: pglite:<folder>/);
  });
});
