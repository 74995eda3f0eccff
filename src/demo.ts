import type { Database } from './db/client.ts';
import type { Logger } from './logger.ts';
import { isEmpty, seedDemo } from '../seeds/demo.ts';
import { createExampleReports } from './exports/examples.ts';
import { createDemoMonitoring } from '../seeds/monitoring.ts';

/**
 * Fills an empty database with the demo dataset (first start only), writing a
 * progress line to stderr while it loads.
 */
export async function loadDemoDataIfEmpty(db: Database, tickets: number, log: Logger): Promise<boolean> {
  if (tickets === 0 || !(await isEmpty(db))) return false;
  log.info({ tickets }, 'empty database: loading demo data (first start only)');
  const started = Date.now();
  let last = 0;
  const summary = await seedDemo(db, {
    tickets,
    seed: 7,
    days: 365,
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - last < 250 && done < total) return;
      last = now;
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001));
      process.stderr.write(`\rloading demo data: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} tickets (${rate.toLocaleString('en')}/s)`);
      if (done >= total) process.stderr.write('\n');
    },
  });
  log.info({ ...summary }, 'demo data loaded');
  await createDemoMonitoring(db);
  // The links carry their secret token, shown this once.
  for (const report of await createExampleReports(db)) {
    log.info({ report: report.name, link: report.link }, 'example report created; its link is shown only now');
  }
  return true;
}
