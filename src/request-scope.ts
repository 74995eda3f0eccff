import { AsyncLocalStorage } from 'node:async_hooks';

// One AsyncLocalStorage carries everything that follows a request through its awaits:
// the request record (src/auth/request.ts), its SQL context (src/db/request-context.ts)
// and the analytics path reports (src/analytics/rollups/report.ts). On Node 20 every
// enabled AsyncLocalStorage stores itself on every promise the process creates, so the
// modules share this one and keep a slot each.

type Frame = { readonly [slot: symbol]: unknown };

const storage = new AsyncLocalStorage<Frame>();

/** A place in the request scope for one module's value. */
export interface ScopeSlot<T> {
  readonly key: symbol;
  /** Only carries T for the type checker. */
  readonly value?: T;
}

/** A new slot; `name` shows in debuggers only. */
export function scopeSlot<T>(name: string): ScopeSlot<T> {
  return { key: Symbol(name) };
}

/** Runs `work` (and every await inside it) with `value` in `slot`; the other slots keep theirs. */
export function runInSlot<T, R>(slot: ScopeSlot<T>, value: T | undefined, work: () => R): R {
  return storage.run({ ...storage.getStore(), [slot.key]: value }, work);
}

/** The value of `slot` for the code running now, if any. */
export function slotValue<T>(slot: ScopeSlot<T>): T | undefined {
  return storage.getStore()?.[slot.key] as T | undefined;
}

/**
 * Captures the scope of the code running now and returns a runner that puts `work` back
 * in it: for work a request starts but something else drives later, such as the pages of
 * a streamed export, which the response's reader pulls from outside the request's awaits.
 * Captured outside any scope, the runner leaves `work` in its caller's.
 */
export function captureScope(): <R>(work: () => R) => R {
  const frame = storage.getStore();
  return frame === undefined ? (work) => work() : (work) => storage.run(frame, work);
}
