import {
  AGENTS, COUNTRIES, FIRST_NAMES, LAST_NAMES, MAIL_DOMAINS, ORG_PREFIXES, ORG_SECTORS, TEAMS,
  type CustomerRegion, type Office,
} from './catalog.ts';
import { Random, cumulative } from './random.ts';

const DAY_MS = 86_400_000;

/** Customer tiers, as in the `CustomerTier` enum. */
export type Tier = 'FREE' | 'STANDARD' | 'PREMIUM' | 'ENTERPRISE';

/** An agent with the traits the seed gave it. */
export interface Agent {
  id: number;
  externalId: string;
  name: string;
  email: string;
  role: string;
  teamId: number;
  office: Office;
  active: boolean;
  /** Multiplies the agent's reply delays (below 1: faster than the team). */
  speed: number;
  /** Around 1; higher means more one-touch solves, fewer reopens, better ratings. */
  quality: number;
  hiredMs: number;
  leftMs: number;
}

/** A customer row plus what ticket generation needs to know about it. */
export interface Customer {
  id: number;
  externalId: string;
  name: string | null;
  email: string | null;
  organization: string | null;
  tier: Tier;
  country: string | null;
  region: CustomerRegion;
  language: string | null;
  createdMs: number;
}

/** Customers grouped by region, with running totals of how often each writes in. */
export interface CustomerPool {
  all: Customer[];
  byRegion: Record<CustomerRegion, { customers: Customer[]; cumulative: Float64Array; total: number }>;
}

function asciiSlug(text: string, separator: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ł/g, 'l')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, separator)
    .replace(new RegExp(`^\\${separator}+|\\${separator}+$`, 'g'), '');
}

/** The forty agents with seeded speed and quality, and their employment window. */
export function buildAgents(seed: number, startMs: number, nowMs: number): Agent[] {
  const rng = Random.named(seed, 'agents');
  const span = nowMs - startMs;
  return AGENTS.map((spec, i) => {
    const experienced = spec.role !== 'Agent';
    const speed = Math.min(1.8, Math.max(0.55, rng.logNormal(experienced ? 0.9 : 1.05, 0.25)));
    const quality = Math.min(1.3, Math.max(0.7, 1 + rng.normal() * 0.1 + (experienced ? 0.05 : 0)));
    const hiredMs = spec.joined !== undefined
      ? startMs + Math.round(spec.joined * span)
      : startMs - Math.round(rng.uniform(60, 1500)) * DAY_MS;
    const leftMs = spec.left !== undefined ? startMs + Math.round(spec.left * span) : Number.POSITIVE_INFINITY;
    const [first, ...rest] = spec.name.split(' ');
    return {
      id: i + 1,
      externalId: `agent-${String(i + 1).padStart(3, '0')}`,
      name: spec.name,
      email: `${asciiSlug(first, '.')}.${asciiSlug(rest.join(' '), '.')}@helpdesk.example`,
      role: spec.role,
      teamId: spec.teamId,
      office: spec.office,
      active: spec.left === undefined,
      speed,
      quality,
      hiredMs,
      leftMs,
    };
  });
}

/** How many customers a dataset of this size gets: a few thousand, fewer for tiny sets. */
export function customerCount(tickets: number): number {
  return Math.max(200, Math.min(5000, Math.round(tickets / 10)));
}

interface Organization {
  name: string;
  domain: string;
  tier: Tier;
  country: number;
  size: number;
}

const TICKET_RATE: Record<Tier, number> = { FREE: 0.5, STANDARD: 1, PREMIUM: 1.6, ENTERPRISE: 2.2 };

/**
 * Customers: about half work for organisations (which share a tier and a country),
 * the rest are individuals, mostly on the free tier. How often each writes in is
 * skewed, as in real help desks where a few accounts send many tickets.
 */
export function buildCustomers(seed: number, count: number, startMs: number): CustomerPool {
  const rng = Random.named(seed, 'customers');
  const countryCum = cumulative(COUNTRIES.map((c) => c.weight));
  const orgs: Organization[] = [];
  const domains = new Set<string>();
  const orgCount = Math.max(10, Math.round(count / 8));
  for (let i = 0; i < orgCount; i += 1) {
    const country = rng.weighted(countryCum);
    const base = `${rng.pick(ORG_PREFIXES)} ${rng.pick(ORG_SECTORS)}`;
    let domain = `${asciiSlug(base, '-')}.example`;
    for (let n = 2; domains.has(domain); n += 1) domain = `${asciiSlug(base, '-')}-${n}.example`;
    domains.add(domain);
    const r = rng.next();
    // The first two organisations fix a premium and an enterprise account even in tiny datasets.
    const tier: Tier = i === 0 || r >= 0.9 ? 'ENTERPRISE' : i === 1 || r >= 0.6 ? 'PREMIUM' : 'STANDARD';
    const size = tier === 'ENTERPRISE' ? 2.5 : tier === 'PREMIUM' ? 1.5 : 1;
    orgs.push({ name: `${base} ${COUNTRIES[country].legalForm}`, domain, tier, country, size });
  }
  const orgCum = cumulative(orgs.map((o) => o.size));

  const all: Customer[] = [];
  const weights: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const local = `${asciiSlug(first, '.')}.${asciiSlug(last, '.')}`;
    let organization: string | null = null;
    let email: string;
    let tier: Tier;
    let country: number;
    if (rng.chance(0.55)) {
      const org = orgs[rng.weighted(orgCum)];
      organization = org.name;
      email = `${local}@${org.domain}`;
      tier = org.tier;
      country = rng.chance(0.9) ? org.country : rng.weighted(countryCum);
    } else {
      email = `${local}${rng.int(100)}@${rng.pick(MAIL_DOMAINS)}`;
      tier = rng.chance(0.85) ? 'FREE' : 'STANDARD';
      country = rng.weighted(countryCum);
    }
    const spec = COUNTRIES[country];
    // A few sources do not send every field; keep some gaps so null handling is exercised.
    const hasName = rng.chance(0.97);
    const hasCountry = rng.chance(0.98);
    all.push({
      id: i + 1,
      externalId: `cust-${String(i + 1).padStart(5, '0')}`,
      name: hasName ? `${first} ${last}` : null,
      email,
      organization,
      tier,
      country: hasCountry ? spec.code : null,
      region: spec.region,
      language: spec.language,
      createdMs: startMs - Math.round(rng.uniform(1, 1100)) * DAY_MS,
    });
    weights.push(TICKET_RATE[tier] * rng.logNormal(1, 0.9));
  }

  const byRegion = {} as CustomerPool['byRegion'];
  for (const region of ['EU', 'AM', 'AP'] as const) {
    const members = all.map((c, i) => [c, weights[i]] as const).filter(([c]) => c.region === region);
    const cum = cumulative(members.map(([, w]) => w));
    byRegion[region] = { customers: members.map(([c]) => c), cumulative: cum, total: cum.length ? cum[cum.length - 1] : 0 };
  }
  return { all, byRegion };
}

/** Agents grouped by team, for routing. */
export function agentsByTeam(agents: Agent[]): Map<number, Agent[]> {
  const out = new Map<number, Agent[]>(TEAMS.map((t) => [t.id, []]));
  for (const agent of agents) out.get(agent.teamId)?.push(agent);
  return out;
}
