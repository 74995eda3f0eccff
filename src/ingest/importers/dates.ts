// Detecting how an export writes its dates. Excel re-saves a CSV in the locale's short
// format (`03/04/2024 10:00`): day-first in most of the world, month-first in the US.
// A file says which by a day above 12 somewhere; the formats are luxon tokens, several
// alternatives joined by " || " (see parseTimestamp).

const SLASHED = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;

/** Alternatives separating formats in one `dateFormat` value. */
export const FORMAT_ALTERNATIVES = ' || ';

/**
 * The luxon format(s) of a sample of date-time cells, or undefined when they are ISO
 * 8601 / `yyyy-MM-dd HH:mm[:ss]` (read without a format). Throws when the sample
 * cannot tell day-first from month-first or mixes both, saying which flag to pass.
 */
export function detectDateFormat(values: readonly string[]): string | undefined {
  let dayFirst = false;
  let monthFirst = false;
  let separator = '/';
  let year = 'yyyy';
  let meridiem = false;
  let example: string | null = null;
  for (const value of values) {
    const m = SLASHED.exec(value.trim());
    if (!m) continue;
    example ??= value;
    separator = m[2];
    year = m[4].length === 2 ? 'yy' : 'yyyy';
    if (m[8]) meridiem = true;
    if (Number(m[1]) > 12) dayFirst = true;
    if (Number(m[3]) > 12) monthFirst = true;
  }
  if (example === null) return undefined;
  if (dayFirst && monthFirst) {
    throw new Error(`the dates mix day-first and month-first orders (e.g. "${example}"); pass --date-format with the one format they use`);
  }
  if (!dayFirst && !monthFirst) {
    throw new Error(
      `dates such as "${example}" could be day-first or month-first and no day above 12 tells which; ` +
        `pass --date-format "dd${separator}MM${separator}${year} HH:mm" or "MM${separator}dd${separator}${year} HH:mm"`,
    );
  }
  const date = dayFirst ? `d${separator}M${separator}${year}` : `M${separator}d${separator}${year}`;
  const times = meridiem ? ['h:mm:ss a', 'h:mm a'] : ['H:mm:ss', 'H:mm'];
  return [...times.map((t) => `${date} ${t}`), date].join(FORMAT_ALTERNATIVES);
}
