import { badInput } from '../errors.ts';

/** Largest page a connection returns; asking for more is an error, not a silent cut. */
export const MAX_PAGE_SIZE = 100;
/** Page size when neither first nor last is given. */
export const DEFAULT_PAGE_SIZE = 20;

/** Relay paging arguments as resolvers receive them. */
export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** Rejects page sizes above the cap or below zero, naming the cap in the message. */
export function checkPageArgs(args: PageArgs): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value === null || value === undefined) continue;
    if (value < 0) throw badInput(`${name} must be 0 or more, got ${value}`, { argument: name });
    if (value > MAX_PAGE_SIZE) {
      throw badInput(`${name}: ${value} is over the page size limit of ${MAX_PAGE_SIZE}; page with after/before instead`, {
        argument: name,
        limit: MAX_PAGE_SIZE,
      });
    }
  }
}

/** Options every Prisma connection shares: caps and defaults. */
export const connectionSizes = { maxSize: MAX_PAGE_SIZE, defaultSize: DEFAULT_PAGE_SIZE } as const;
