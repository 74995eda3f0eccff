import { describe, expect, it } from 'vitest';
import { jsonValues } from '../../src/ingest/importers/files.ts';
import { detectDateFormat } from '../../src/ingest/importers/dates.ts';
import { parseHours } from '../../src/ingest/importers/record.ts';

async function values(text: string): Promise<[number, unknown][]> {
  async function* lines() {
    yield* text.split('\n');
  }
  const out: [number, unknown][] = [];
  for await (const v of jsonValues(lines())) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.text);
    } catch {
      parsed = `BAD ${v.text}`;
    }
    // A value the scanner parsed itself is the text's.
    if (v.parsed) expect(v.parsed.value).toEqual(parsed);
    out.push([v.line, parsed]);
  }
  return out;
}

describe('jsonValues: the layouts of JSON files', () => {
  it.each([
    ['NDJSON', '{"a":1}\n{"a":2}\n', [[1, { a: 1 }], [2, { a: 2 }]]],
    ['NDJSON with a BOM and blank lines', '\ufeff{"a":1}\n\n{"a":2}', [[1, { a: 1 }], [3, { a: 2 }]]],
    ['pretty values one after another', '{\n  "a": [1,\n 2]\n}\n{\n  "b": "x}"\n}', [[1, { a: [1, 2] }], [5, { b: 'x}' }]]],
    ['a pretty array of objects', '[\n  {\n    "id": 1\n  },\n  {\n    "id": 2\n  }\n]\n', [[2, { id: 1 }], [5, { id: 2 }]]],
    ['a one-line array of objects', '[{"id":1},{"id":"a]"}]', [[1, { id: 1 }], [1, { id: 'a]' }]]],
    ['escaped quotes', '{"s":"a\\"}"}\n', [[1, { s: 'a"}' }]]],
    ['two objects on one line', '{"a":1} {"a":2}\n{"a":3}', [[1, { a: 1 }], [1, { a: 2 }], [2, { a: 3 }]]],
    ['an array of scalars on an NDJSON line stays one value', '["a","b"]\n{"c":1}', [[1, ['a', 'b']], [2, { c: 1 }]]],
  ])('%s', async (_name, text, expected) => {
    expect(await values(text)).toEqual(expected);
  });

  it('a cut-off line does not swallow the lines after it', async () => {
    expect(await values('{"id":1}\n{"id": 2, "sub\n{"id":3}\n')).toEqual([
      [1, { id: 1 }],
      [2, 'BAD {"id": 2, "sub'],
      [3, { id: 3 }],
    ]);
    expect(await values('{"id": 2, "nested": {"x": 1}\n{"id":3}')).toEqual([
      [1, 'BAD {"id": 2, "nested": {"x": 1}'],
      [2, { id: 3 }],
    ]);
  });
});

describe('detectDateFormat', () => {
  it.each([
    [['2024-04-15 09:00:00', '2024-04-16T10:00:00Z'], undefined],
    [['15/04/2024 09:00', '01/05/2024 10:00'], 'd/M/yyyy H:mm:ss || d/M/yyyy H:mm || d/M/yyyy'],
    [['04/15/2024 9:00 PM'], 'M/d/yyyy h:mm:ss a || M/d/yyyy h:mm a || M/d/yyyy'],
    [['15.04.24 09:00'], 'd.M.yy H:mm:ss || d.M.yy H:mm || d.M.yy'],
  ])('%j → %s', (sample, expected) => {
    expect(detectDateFormat(sample)).toBe(expected);
  });

  it('refuses a sample that mixes both orders', () => {
    expect(() => detectDateFormat(['15/04/2024 09:00', '04/15/2024 09:00'])).toThrow('mix day-first and month-first');
  });
});

describe('parseHours', () => {
  it.each([
    ['1.25', 4500],
    ['0,5', 1800],
    ['02:05:11', 7511],
    ['64:00:00', 230400],
    ['0:30', 1800],
    ['', null],
  ])('%s → %s s', (text, seconds) => {
    expect(parseHours(text, 'x')).toBe(seconds);
  });

  it('names what it cannot read', () => {
    expect(() => parseHours('soon', 'First response time (in hrs)')).toThrow(
      'First response time (in hrs) "soon" is neither hours (1.5) nor a duration (hh:mm:ss)',
    );
  });
});
