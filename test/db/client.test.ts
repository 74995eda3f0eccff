import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseLockedError, openDatabase } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

const root = mkdtempSync(join(tmpdir(), 'sg-client-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('PGlite data folder', () => {
  it('keeps data across a close and reopen', async () => {
    const dir = join(root, 'keep');
    const first = await openDatabase({ kind: 'pglite', dir });
    await migrate(first.driver);
    await first.prisma.team.create({ data: { externalId: 't', name: 'Kept' } });
    await first.close();
    const second = await openDatabase({ kind: 'pglite', dir });
    expect(await second.prisma.team.findMany({ select: { name: true } })).toEqual([{ name: 'Kept' }]);
    await second.close();
  });

  it('refuses a folder another live process holds, saying what to do', async () => {
    const dir = join(root, 'locked');
    const first = await openDatabase({ kind: 'pglite', dir });
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    const second = openDatabase({ kind: 'pglite', dir });
    await expect(second).rejects.toBeInstanceOf(DatabaseLockedError);
    await expect(openDatabase({ kind: 'pglite', dir })).rejects.toThrow(
      new RegExp(`in use by process ${process.pid}.*stop that process first`),
    );
    await first.close();
    // Closing releases the lock: the folder opens again.
    const third = await openDatabase({ kind: 'pglite', dir });
    await third.close();
  });

  it('takes over a lock left by a process that no longer runs', async () => {
    const dir = join(root, 'stale');
    writeFileSync(`${dir}.lock`, '2147483646');
    const db = await openDatabase({ kind: 'pglite', dir });
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(String(process.pid));
    await db.close();
  });
});
