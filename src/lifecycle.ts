import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How a drain ended: whether all work finished in time, and how many requests were cut. */
export interface DrainResult {
  finished: boolean;
  /** Requests (queries, exports) still running at the timeout, aborted so their clients see an error. */
  cut: number;
  durationMs: number;
}

/**
 * The life of the HTTP server between start and stop, for orchestrators and load
 * balancers: `/ready` answers 503 once draining starts, every response from then on
 * says `Connection: close` (so kept-alive clients go elsewhere), in-flight requests
 * and exports may finish until a timeout, and what is still running then is aborted
 * (socket destroyed, its SQL cancelled) rather than cut short with a clean-looking end.
 */
export class ServerLifecycle {
  #draining = false;
  readonly #active = new Set<ServerResponse>();
  #server: Server | null = null;
  #idle: (() => void) | null = null;

  /** True once a stop was asked for: `/ready` answers 503. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Requests being served right now. */
  get activeRequests(): number {
    return this.#active.size;
  }

  /**
   * Serves `handler` on `server`, tracking each request. Registered before anything
   * writes, so a response started while draining carries `Connection: close`.
   */
  attach(server: Server, handler: (request: IncomingMessage, response: ServerResponse) => void): void {
    this.#server = server;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      this.#active.add(response);
      response.on('close', () => {
        this.#active.delete(response);
        if (this.#active.size === 0) this.#idle?.();
      });
      if (this.#draining) response.setHeader('connection', 'close');
      handler(request, response);
    });
  }

  /**
   * Starts draining and resolves when no request is left, or after `timeoutMs` with the
   * remaining ones aborted. The listening socket stays open while requests run, so a
   * balancer polling `/ready` sees the 503; it closes once the last one is done.
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const started = performance.now();
    this.#draining = true;
    // Responses not yet started close their connection when they end.
    for (const response of this.#active) if (!response.headersSent) response.setHeader('connection', 'close');
    const server = this.#server;
    let timer: NodeJS.Timeout | undefined;
    const finished = await new Promise<boolean>((resolve) => {
      if (this.#active.size === 0) return resolve(true);
      this.#idle = () => resolve(true);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    this.#idle = null;
    const cut = finished ? 0 : this.#active.size;
    // Destroying the socket is what tells a client its response is incomplete: a
    // chunked body without its last chunk, or no response at all.
    for (const response of this.#active) response.destroy();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    return { finished, cut, durationMs: Math.round(performance.now() - started) };
  }
}
