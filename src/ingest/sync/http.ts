// The sync's HTTP client: JSON GETs with the vendor's authentication, retrying what the
// vendors document as retryable. A 429 waits as long as its Retry-After says (seconds,
// or an HTTP date); 5xx answers, timeouts and dropped connections retry with
// exponential backoff; anything else fails at once with the vendor's own message.

/** A failed request, after its retries; the message says what the vendor answered. */
export class SyncHttpError extends Error {
  override name = 'SyncHttpError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** How the client retries and waits (tests shorten the waits). */
export interface RetryPolicy {
  /** Attempts for 5xx and network errors, including the first (default 5). */
  attempts: number;
  /** First backoff in ms, doubled each time (default 1000). */
  backoffMs: number;
  /** Per-request timeout in ms (default 60000). */
  timeoutMs: number;
  /** Longest Retry-After honoured, in ms (default 15 minutes); longer fails the sync. */
  maxRetryAfterMs: number;
  /** 429s in a row before giving up (default 10). */
  rateLimitAttempts: number;
  /** Waits; replaced in tests to record the waits without sleeping. */
  sleep: (ms: number) => Promise<void>;
}

/** The default policy. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  backoffMs: 1000,
  timeoutMs: 60_000,
  maxRetryAfterMs: 15 * 60_000,
  rateLimitAttempts: 10,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Milliseconds a Retry-After header asks to wait (seconds or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null) return 1000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : 1000;
}

/** A JSON answer and its headers. */
export interface JsonResponse {
  body: unknown;
  headers: Headers;
}

/** Counts of what the client did, for the progress line and the tests. */
export interface HttpStats {
  requests: number;
  rateLimited: number;
  retried: number;
}

/** GETs JSON with authentication and retries. */
export class SyncHttpClient {
  readonly stats: HttpStats = { requests: 0, rateLimited: 0, retried: 0 };

  constructor(
    private readonly authorization: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** GET a URL and parse its JSON body. */
  async get(url: string): Promise<JsonResponse> {
    let failures = 0;
    let limited = 0;
    for (;;) {
      this.stats.requests += 1;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: this.authorization, accept: 'application/json' },
          signal: AbortSignal.timeout(this.policy.timeoutMs),
        });
      } catch (error) {
        failures += 1;
        const why = error instanceof Error && error.name === 'TimeoutError' ? `timed out after ${this.policy.timeoutMs} ms` : (error as Error).message;
        if (failures >= this.policy.attempts) throw new SyncHttpError(`GET ${redact(url)} failed ${failures} times; last: ${why}`, null);
        this.stats.retried += 1;
        await this.policy.sleep(this.policy.backoffMs * 2 ** (failures - 1));
        continue;
      }
      if (response.status === 429) {
        limited += 1;
        const wait = retryAfterMs(response.headers.get('retry-after'));
        await response.body?.cancel();
        if (limited > this.policy.rateLimitAttempts || wait > this.policy.maxRetryAfterMs) {
          throw new SyncHttpError(`GET ${redact(url)}: rate limited (429) ${limited} times, Retry-After ${Math.round(wait / 1000)} s`, 429);
        }
        this.stats.rateLimited += 1;
        await this.policy.sleep(wait);
        continue;
      }
      if (response.status >= 500) {
        failures += 1;
        const text = await response.text().catch(() => '');
        if (failures >= this.policy.attempts) {
          throw new SyncHttpError(`GET ${redact(url)} answered ${response.status} ${failures} times; last: ${text.slice(0, 200)}`, response.status);
        }
        this.stats.retried += 1;
        await this.policy.sleep(this.policy.backoffMs * 2 ** (failures - 1));
        continue;
      }
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        const hint = response.status === 401 || response.status === 403 ? ' (check the e-mail and API token / API key and their rights)' : '';
        throw new SyncHttpError(`GET ${redact(url)} answered ${response.status}${hint}: ${text.slice(0, 300)}`, response.status);
      }
      try {
        return { body: await response.json(), headers: response.headers };
      } catch (error) {
        throw new SyncHttpError(`GET ${redact(url)}: the answer is not JSON (${(error as Error).message})`, response.status);
      }
    }
  }
}

/** A URL without its query values that could carry secrets (none do in our calls, but errors get logged). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
