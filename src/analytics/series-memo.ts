import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Database } from '../db/client.ts';
import type { Bucket } from './buckets.ts';

// Closed buckets of earlier time-series answers, kept so that a series asked again after a
// write recomputes only the buckets the write could have changed (migration
// 0019_data_change_log logs, per data version, the earliest instant a write reaches).
// A bucket is kept only once it has ended (its "now" passed it when it was computed);
// it is reused while every write since then reaches back no further than its end. The
// memo lives in this process's memory: another server process computes its own.

/** A stored series bucket's values (the engine's MetricValues, kept opaque here). */
export type MemoValues = Record<string, unknown>;

/** One series' closed buckets as of a data version. */
interface MemoEntry extends VersionStamp {
  /** By bucketKey: the bucket's end (ms) and its values. */
  buckets: Map<string, { end: number; values: MemoValues }>;
}

/** Buckets one series keeps at most (the longest series the API allows is 2000 buckets). */
const BUCKETS_KEPT = 4000;

/** A data version: the database's epoch and its counter. */
export interface VersionStamp {
  epoch: string;
  version: bigint;
}

/** What the writes since an earlier data version reach. */
export interface DataReach extends VersionStamp {
  /** The version the writes were counted from (the kept answer's), if any. */
  after: VersionStamp | undefined;
  /** No bucket may be reused: the log is incomplete, the database is another, or a write reached everything. */
  all: boolean;
  /** The earliest instant any write since reaches (buckets ending at or before it are unchanged); null: none. */
  since: Date | null;
}

/** A bucket's identity within a series: its instants and local label. */
export function bucketKey(bucket: Bucket): string {
  return `${bucket.start.getTime()}/${bucket.end.getTime()}/${bucket.label}`;
}

/** The memo key of a series request (everything but the range, so a moving window shares buckets). */
export function seriesMemoKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The current data version and how far back the writes after `after` reach, in one
 * statement (a reader that sees a version sees every log row up to it: both are written
 * by the same commit trigger).
 */
export async function dataReach(db: Pick<Database, 'prisma'>, after: VersionStamp | undefined): Promise<DataReach> {
  // Without an earlier answer nothing is counted (no log row is above the largest bigint).
  const from = after ? after.version.toString() : '9223372036854775807';
  const [row] = await db.prisma.$queryRaw<{ epoch: string; version: string; n: number; everything: boolean; since: Date | null }[]>`
    SELECT d."epoch", d."version"::text AS "version", count(c."version")::int AS "n",
           COALESCE(bool_or(c."everything"), false) AS "everything", min(c."since") AS "since"
      FROM "DataVersion" d
      LEFT JOIN "DataChange" c ON c."version" > ${from}::int8 AND c."version" <= d."version"
     WHERE d."id" = 1
     GROUP BY d."epoch", d."version"`;
  if (!row) throw new Error('the DataVersion row is missing: the database was not migrated by this version (run the migrations)');
  const version = BigInt(row.version);
  const complete = after !== undefined && row.epoch === after.epoch && BigInt(row.n) === version - after.version;
  return { epoch: row.epoch, version, after, all: !complete || row.everything, since: row.since === null ? null : new Date(row.since) };
}

/**
 * Closed series buckets by series key, at most `max` series and `maxBuckets` buckets in
 * all (a bucket's values are a few hundred bytes: the default bounds the memo to tens of
 * MB); the least recently used series go first.
 */
export class SeriesMemo {
  private readonly entries: LRUCache<string, MemoEntry>;

  constructor(max = 500, maxBuckets = 100_000) {
    this.entries = new LRUCache({ max, maxSize: maxBuckets, sizeCalculation: (entry) => Math.max(1, entry.buckets.size) });
  }

  /** The version the series' kept buckets belong to, if any are kept. */
  versionOf(key: string): VersionStamp | undefined {
    const entry = this.entries.get(key);
    return entry ? { epoch: entry.epoch, version: entry.version } : undefined;
  }

  /**
   * The kept values of the given buckets that the writes in `reach` left alone and that
   * had ended by `now` (undefined where none; `reach` counted from `versionOf(key)`); the
   * values are copies.
   */
  reusable(key: string, buckets: readonly Bucket[], reach: DataReach, now: Date): (MemoValues | undefined)[] {
    const entry = this.entries.get(key);
    if (!entry || reach.all) return buckets.map(() => undefined);
    const cutoff = Math.min(reach.since?.getTime() ?? Number.POSITIVE_INFINITY, now.getTime());
    return buckets.map((b) => {
      const kept = b.end.getTime() <= cutoff ? entry.buckets.get(bucketKey(b)) : undefined;
      return kept ? structuredClone(kept.values) : undefined;
    });
  }

  /**
   * Keeps the series' ended buckets as of `reach.version`: the given ones (reused or
   * freshly computed) that had ended by `now`, and the entry's other buckets the writes
   * left alone — only while the entry is still the one `reach` was counted from
   * (`reach.after`): a request that started earlier and finished later must not pass its
   * older buckets off as current. An entry already newer than `reach` is left as it is.
   */
  store(key: string, reach: DataReach, given: readonly { bucket: Bucket; values: MemoValues }[], now: Date): void {
    const old = this.entries.get(key);
    if (old && old.epoch === reach.epoch && old.version > reach.version) return;
    const cutoff = reach.since?.getTime() ?? Number.POSITIVE_INFINITY;
    const buckets = new Map<string, { end: number; values: MemoValues }>();
    const from = reach.after;
    const same = old !== undefined && from !== undefined && old.epoch === from.epoch && old.version === from.version;
    if (old && same && !reach.all) for (const [k, v] of old.buckets) if (v.end <= cutoff) buckets.set(k, v);
    for (const { bucket, values } of given) {
      if (bucket.end.getTime() <= now.getTime()) buckets.set(bucketKey(bucket), { end: bucket.end.getTime(), values: structuredClone(values) });
    }
    // Past the bound, the buckets that ended longest ago go first.
    if (buckets.size > BUCKETS_KEPT) {
      const newest = [...buckets].sort((a, b) => b[1].end - a[1].end).slice(0, BUCKETS_KEPT);
      buckets.clear();
      for (const [k, v] of newest) buckets.set(k, v);
    }
    this.entries.set(key, { epoch: reach.epoch, version: reach.version, buckets });
  }
}
