import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { parseCsv } from './helpers.ts';

const run = promisify(execFile);

/** Whether headless LibreOffice (`soffice`) is installed; .ci/setup-extra installs it in CI. */
export const HAS_SOFFICE = spawnSync('sh', ['-c', 'command -v soffice'], { encoding: 'utf8' }).status === 0;

/** The CSV import filter for our CSV files: comma, double quote, UTF-8 (76), from line 1. */
export const CSV_INFILTER = 'CSV:44,34,76,1';

/** The CSV export filter: comma, double quote, UTF-8, and (token 9) cell contents as shown, i.e. through their number formats. */
const CSV_OUTFILTER = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true';

/**
 * Converts files to CSV with one headless LibreOffice Calc run (own profile, so parallel
 * runs do not collide) and returns each file's rows as LibreOffice printed them: XLSX cells
 * shown through their number formats, CSV cells as Calc recognised them.
 */
export async function sofficeCsv(files: string[], workDir: string, infilter?: string): Promise<string[][][]> {
  const out = await mkdtemp(join(workDir, 'out-'));
  const profile = await mkdtemp(join(workDir, 'profile-'));
  await run(
    'soffice',
    [`-env:UserInstallation=file://${profile}`, '--headless', ...(infilter ? [`--infilter=${infilter}`] : []), '--convert-to', CSV_OUTFILTER, '--outdir', out, ...files],
    { timeout: 180_000 },
  );
  return Promise.all(files.map(async (file) => parseCsv(await readFile(join(out, basename(file).replace(/\.\w+$/, '.csv')), 'utf8'))));
}
