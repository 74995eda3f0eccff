import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDatabaseUrl } from '../src/config.ts';

describe('DATABASE_URL', () => {
  it.each([
    [undefined, { kind: 'pglite', dir: '/srv/app/data/pglite' }],
    ['', { kind: 'pglite', dir: '/srv/app/data/pglite' }],
    ['pglite:memory', { kind: 'pglite', dir: null }],
    ['pglite:./x/db', { kind: 'pglite', dir: '/srv/app/x/db' }],
    ['pglite:/abs/db', { kind: 'pglite', dir: '/abs/db' }],
    ['postgresql://u:p@h:5432/db', { kind: 'postgres', url: 'postgresql://u:p@h:5432/db' }],
    ['postgres://h/db', { kind: 'postgres', url: 'postgres://h/db' }],
  ])('%s selects %j', (value, expected) => {
    expect(parseDatabaseUrl(value, '/srv/app')).toEqual(expected);
  });

  it.each([
    ['mysql://h/db', /not supported; accepted: pglite:<folder>, pglite:memory, or postgresql:/],
    ['pglite:', /names no folder/],
    ['postgresql://u:secret@h:5432', /names no database/],
    ['sqlite:file.db', /not supported/],
  ])('rejects %s with a message that says what is accepted', (value, message) => {
    expect(() => parseDatabaseUrl(value)).toThrow(ConfigError);
    expect(() => parseDatabaseUrl(value)).toThrow(message);
  });

  it('never prints a password', () => {
    expect(() => parseDatabaseUrl('postgresql://u:secret@h:5432')).toThrow(/u:\*\*\*@h/);
    expect(() => parseDatabaseUrl('postgresql://u:secret@h:5432')).not.toThrow(/secret/);
  });
});

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '0.0.0.0', production: false, seedDemo: true, demoTickets: 50_000 });
  });

  it('rejects a bad port and a bad boolean', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT="eighty" must be an integer from 0 to 65535/);
    expect(() => loadConfig({ SEED_DEMO: 'maybe' })).toThrow(/SEED_DEMO="maybe" must be true or false/);
  });
});
