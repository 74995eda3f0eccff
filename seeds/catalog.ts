/**
 * The fixed reference data of the demo help desk: teams, agents, contact reasons,
 * countries, names and texts. Numbers here are weights, not probabilities.
 */

/** Where an agent works, and so whose office hours they keep. */
export type Office = 'EU' | 'US';
/** Where a customer writes from (arrival patterns follow its local clock). */
export type CustomerRegion = 'EU' | 'AM' | 'AP';

/** The IANA zone whose clock a region's customers follow. */
export const REGION_ZONE: Record<CustomerRegion, string> = {
  EU: 'Europe/Berlin',
  AM: 'America/New_York',
  AP: 'Asia/Singapore',
};

/** Routing role of a team. */
export type TeamKind = 'FRONTLINE' | 'BILLING' | 'TECHNICAL' | 'ENTERPRISE' | 'TIER2';

/** A demo team; `id` is assigned explicitly so tickets can reference it without a read-back. */
export interface TeamSpec {
  id: number;
  externalId: string;
  name: string;
  kind: TeamKind;
  /** Frontline teams serve one region's customers. */
  office?: Office;
}

/** The six demo teams. */
export const TEAMS: TeamSpec[] = [
  { id: 1, externalId: 'team-frontline-emea', name: 'Frontline EMEA', kind: 'FRONTLINE', office: 'EU' },
  { id: 2, externalId: 'team-frontline-americas', name: 'Frontline Americas', kind: 'FRONTLINE', office: 'US' },
  { id: 3, externalId: 'team-billing', name: 'Billing & Accounts', kind: 'BILLING' },
  { id: 4, externalId: 'team-technical', name: 'Technical Support', kind: 'TECHNICAL' },
  { id: 5, externalId: 'team-enterprise', name: 'Enterprise Success', kind: 'ENTERPRISE' },
  { id: 6, externalId: 'team-tier2', name: 'Tier 2 Escalations', kind: 'TIER2' },
];

/** A demo agent before the seed gives it speed and quality. */
export interface AgentSpec {
  name: string;
  teamId: number;
  office: Office;
  role: string;
  /** Fraction of the seeded period after which the agent joined (0: before it). */
  joined?: number;
  /** Fraction of the seeded period after which the agent left (inactive now). */
  left?: number;
}

const LEAD = 'Team Lead';
const SENIOR = 'Senior Agent';
const AGENT = 'Agent';
const ENGINEER = 'Support Engineer';
const CSM = 'Customer Success Manager';

/** The forty demo agents; three have left, three joined during the period. */
export const AGENTS: AgentSpec[] = [
  { name: 'Katrin Vogel', teamId: 1, office: 'EU', role: LEAD },
  { name: 'Jonas Becker', teamId: 1, office: 'EU', role: SENIOR },
  { name: 'Amélie Durand', teamId: 1, office: 'EU', role: AGENT },
  { name: 'Lukas Schneider', teamId: 1, office: 'EU', role: AGENT },
  { name: 'Sofia Romano', teamId: 1, office: 'EU', role: AGENT },
  { name: 'Pieter de Vries', teamId: 1, office: 'EU', role: AGENT, left: 0.42 },
  { name: 'Elena García', teamId: 1, office: 'EU', role: AGENT },
  { name: 'Mateusz Nowak', teamId: 1, office: 'EU', role: AGENT, joined: 0.5 },
  { name: 'Hannah Fischer', teamId: 1, office: 'EU', role: AGENT },
  { name: 'Marcus Johnson', teamId: 2, office: 'US', role: LEAD },
  { name: 'Emily Carter', teamId: 2, office: 'US', role: SENIOR },
  { name: 'Daniel Kim', teamId: 2, office: 'US', role: AGENT },
  { name: 'Olivia Martinez', teamId: 2, office: 'US', role: AGENT },
  { name: 'Tyler Brooks', teamId: 2, office: 'US', role: AGENT, left: 0.63 },
  { name: 'Grace Liu', teamId: 2, office: 'US', role: AGENT },
  { name: 'Jamal Washington', teamId: 2, office: 'US', role: AGENT },
  { name: 'Sarah O’Connor', teamId: 2, office: 'US', role: AGENT, joined: 0.3 },
  { name: 'Lucas Silva', teamId: 2, office: 'US', role: AGENT },
  { name: 'Anna Hoffmann', teamId: 3, office: 'EU', role: LEAD },
  { name: 'Thomas Weber', teamId: 3, office: 'EU', role: SENIOR },
  { name: 'Claire Martin', teamId: 3, office: 'EU', role: AGENT },
  { name: 'Rachel Green', teamId: 3, office: 'US', role: SENIOR },
  { name: 'Kevin Patel', teamId: 3, office: 'US', role: AGENT },
  { name: 'Megan Turner', teamId: 3, office: 'US', role: AGENT, left: 0.81 },
  { name: 'Felix Wagner', teamId: 4, office: 'EU', role: LEAD },
  { name: 'Ingrid Larsen', teamId: 4, office: 'EU', role: ENGINEER },
  { name: 'Marco Bianchi', teamId: 4, office: 'EU', role: AGENT },
  { name: 'Aylin Yılmaz', teamId: 4, office: 'EU', role: AGENT },
  { name: 'Ryan Mitchell', teamId: 4, office: 'US', role: SENIOR },
  { name: 'Priya Sharma', teamId: 4, office: 'US', role: AGENT },
  { name: 'Chris Evans', teamId: 4, office: 'US', role: AGENT, joined: 0.7 },
  { name: 'Charlotte Dubois', teamId: 5, office: 'EU', role: LEAD },
  { name: 'Maximilian Braun', teamId: 5, office: 'EU', role: CSM },
  { name: 'Jennifer Adams', teamId: 5, office: 'US', role: CSM },
  { name: 'Michael Chen', teamId: 5, office: 'US', role: CSM },
  { name: 'Stefan Richter', teamId: 6, office: 'EU', role: LEAD },
  { name: 'Nina Kowalski', teamId: 6, office: 'EU', role: ENGINEER },
  { name: 'Oskar Lindqvist', teamId: 6, office: 'EU', role: ENGINEER },
  { name: 'David Robinson', teamId: 6, office: 'US', role: ENGINEER },
  { name: 'Laura Bennett', teamId: 6, office: 'US', role: ENGINEER },
];

/** Broad contact reasons: where they route and how they behave. */
export type CategoryGroup = 'BILLING' | 'ACCOUNT' | 'TECHNICAL' | 'PRODUCT';

/** A contact reason (leaf) under one of the four top-level categories. */
export interface CategorySpec {
  externalId: string;
  name: string;
  group: CategoryGroup;
  /** Relative share of tickets. */
  weight: number;
  /** Likelier than average to need a second agent reply (0.5 = half as likely one-touch). */
  oneTouch: number;
  /** Multiplier of the escalation chance. */
  escalation: number;
  tags: string[];
  subjects: string[];
}

/** The four parent categories, in id order (ids 1..4). */
export const PARENT_CATEGORIES: { externalId: string; name: string; group: CategoryGroup }[] = [
  { externalId: 'cat-billing', name: 'Billing', group: 'BILLING' },
  { externalId: 'cat-account', name: 'Account', group: 'ACCOUNT' },
  { externalId: 'cat-technical', name: 'Technical', group: 'TECHNICAL' },
  { externalId: 'cat-product', name: 'Product', group: 'PRODUCT' },
];

/** The leaf contact reasons (ids 5.. in this order); `Outage` is fed by incidents. */
export const LEAF_CATEGORIES: CategorySpec[] = [
  { externalId: 'cat-billing-refund', name: 'Refund', group: 'BILLING', weight: 7, oneTouch: 1.0, escalation: 0.5, tags: ['refund'],
    subjects: ['Refund request for invoice #{n}', 'Charged twice, please refund', 'Requesting a refund after cancellation'] },
  { externalId: 'cat-billing-invoice', name: 'Invoice question', group: 'BILLING', weight: 8, oneTouch: 1.2, escalation: 0.3, tags: ['invoice'],
    subjects: ['Question about invoice #{n}', 'VAT number missing on invoice', 'Need a copy of last month’s invoice'] },
  { externalId: 'cat-billing-payment', name: 'Payment failed', group: 'BILLING', weight: 6, oneTouch: 0.9, escalation: 0.6, tags: ['payment'],
    subjects: ['Card declined on renewal', 'Payment failed for order #{n}', 'Cannot update payment method'] },
  { externalId: 'cat-billing-plan', name: 'Plan change', group: 'BILLING', weight: 5, oneTouch: 1.1, escalation: 0.3, tags: ['plan-change'],
    subjects: ['Upgrade to annual plan', 'Downgrade our subscription', 'How do I add more seats?'] },
  { externalId: 'cat-account-login', name: 'Login problem', group: 'ACCOUNT', weight: 9, oneTouch: 1.1, escalation: 0.7, tags: ['login'],
    subjects: ['Cannot log in', 'Two-factor code not arriving', 'Locked out of my account'] },
  { externalId: 'cat-account-password', name: 'Password reset', group: 'ACCOUNT', weight: 7, oneTouch: 1.35, escalation: 0.2, tags: ['password'],
    subjects: ['Password reset link expired', 'Reset password please', 'Did not receive reset email'] },
  { externalId: 'cat-account-users', name: 'User management', group: 'ACCOUNT', weight: 6, oneTouch: 1.0, escalation: 0.5, tags: ['users'],
    subjects: ['Transfer account ownership', 'Remove a former employee', 'Invite link not working for colleague'] },
  { externalId: 'cat-account-privacy', name: 'Data & privacy', group: 'ACCOUNT', weight: 3, oneTouch: 0.8, escalation: 1.2, tags: ['gdpr'],
    subjects: ['GDPR data export request', 'Please delete my personal data', 'Data processing agreement'] },
  { externalId: 'cat-technical-bug', name: 'Bug report', group: 'TECHNICAL', weight: 10, oneTouch: 0.55, escalation: 2.4, tags: ['bug'],
    subjects: ['Error {n} when saving report', 'Dashboard shows wrong totals', 'Export button does nothing'] },
  { externalId: 'cat-technical-integration', name: 'Integration & API', group: 'TECHNICAL', weight: 7, oneTouch: 0.6, escalation: 2.0, tags: ['api'],
    subjects: ['Webhook deliveries failing', 'API returns 429 too often', 'Salesforce sync stopped'] },
  { externalId: 'cat-technical-performance', name: 'Performance', group: 'TECHNICAL', weight: 4, oneTouch: 0.6, escalation: 2.2, tags: ['performance'],
    subjects: ['App very slow since this morning', 'Reports take minutes to load', 'Timeouts on large exports'] },
  { externalId: 'cat-technical-outage', name: 'Outage', group: 'TECHNICAL', weight: 0.6, oneTouch: 1.2, escalation: 1.5, tags: ['outage'],
    subjects: ['Service down?', 'Cannot reach the app at all', '502 errors everywhere'] },
  { externalId: 'cat-product-howto', name: 'How-to question', group: 'PRODUCT', weight: 14, oneTouch: 1.45, escalation: 0.15, tags: ['how-to'],
    subjects: ['How do I create a custom view?', 'Where can I change notification settings?', 'How to schedule a report'] },
  { externalId: 'cat-product-feature', name: 'Feature request', group: 'PRODUCT', weight: 6, oneTouch: 1.3, escalation: 0.2, tags: ['feature-request'],
    subjects: ['Feature request: dark mode', 'Please add SSO for our plan', 'Would love a bulk edit option'] },
  { externalId: 'cat-product-feedback', name: 'Product feedback', group: 'PRODUCT', weight: 4, oneTouch: 1.4, escalation: 0.1, tags: ['feedback'],
    subjects: ['Feedback on the new editor', 'Love the latest update', 'New navigation is confusing'] },
];

/** Index in LEAF_CATEGORIES of the incident-driven reason. */
export const OUTAGE_CATEGORY = LEAF_CATEGORIES.findIndex((c) => c.externalId === 'cat-technical-outage');

/** A country customers come from: ISO 3166-1 alpha-2 code, region, share, language tag, legal form. */
export interface CountrySpec {
  code: string;
  region: CustomerRegion;
  weight: number;
  language: string | null;
  legalForm: string;
}

/** The customer countries and their shares. */
export const COUNTRIES: CountrySpec[] = [
  { code: 'US', region: 'AM', weight: 28, language: null, legalForm: 'Inc.' },
  { code: 'CA', region: 'AM', weight: 5, language: null, legalForm: 'Ltd.' },
  { code: 'BR', region: 'AM', weight: 3, language: 'lang-pt', legalForm: 'Ltda.' },
  { code: 'MX', region: 'AM', weight: 2, language: 'lang-es', legalForm: 'S.A. de C.V.' },
  { code: 'DE', region: 'EU', weight: 14, language: 'lang-de', legalForm: 'GmbH' },
  { code: 'GB', region: 'EU', weight: 10, language: null, legalForm: 'Ltd' },
  { code: 'FR', region: 'EU', weight: 6, language: 'lang-fr', legalForm: 'SAS' },
  { code: 'NL', region: 'EU', weight: 4, language: null, legalForm: 'B.V.' },
  { code: 'ES', region: 'EU', weight: 3, language: 'lang-es', legalForm: 'S.L.' },
  { code: 'IT', region: 'EU', weight: 3, language: 'lang-it', legalForm: 'S.r.l.' },
  { code: 'AT', region: 'EU', weight: 2, language: 'lang-de', legalForm: 'GmbH' },
  { code: 'CH', region: 'EU', weight: 2, language: 'lang-de', legalForm: 'AG' },
  { code: 'SE', region: 'EU', weight: 2, language: null, legalForm: 'AB' },
  { code: 'PL', region: 'EU', weight: 2, language: null, legalForm: 'Sp. z o.o.' },
  { code: 'IE', region: 'EU', weight: 1, language: null, legalForm: 'Ltd' },
  { code: 'BE', region: 'EU', weight: 1, language: 'lang-fr', legalForm: 'BV' },
  { code: 'DK', region: 'EU', weight: 1, language: null, legalForm: 'ApS' },
  { code: 'AU', region: 'AP', weight: 4, language: null, legalForm: 'Pty Ltd' },
  { code: 'IN', region: 'AP', weight: 3, language: null, legalForm: 'Pvt. Ltd.' },
  { code: 'JP', region: 'AP', weight: 2, language: null, legalForm: 'K.K.' },
  { code: 'SG', region: 'AP', weight: 1, language: null, legalForm: 'Pte. Ltd.' },
  { code: 'NZ', region: 'AP', weight: 1, language: null, legalForm: 'Ltd' },
];

/** Given names for customers. */
export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth',
  'David', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Karen', 'Daniel', 'Nancy',
  'Lena', 'Leon', 'Mia', 'Paul', 'Emma', 'Noah', 'Lea', 'Finn', 'Marie', 'Elias', 'Léa', 'Hugo',
  'Chloé', 'Louis', 'Lucía', 'Mateo', 'Giulia', 'Alessandro', 'Freya', 'Erik', 'Zofia', 'Jakub',
  'Aoife', 'Sean', 'Sakura', 'Haruto', 'Aarav', 'Ananya', 'Wei', 'Mei', 'Olivia', 'Jack', 'Isla',
  'Oliver', 'Camila', 'Gabriel', 'Valentina', 'Santiago', 'Ines', 'Lars',
];

/** Family names for customers. */
export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor',
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Koch',
  'Martin', 'Bernard', 'Dubois', 'Lefèvre', 'García', 'Fernández', 'López', 'Rossi', 'Russo', 'Ferrari',
  'de Jong', 'Jansen', 'Andersson', 'Nilsson', 'Kowalski', 'Wiśniewski', 'Murphy', 'Kelly', 'Sato',
  'Suzuki', 'Singh', 'Kumar', 'Wang', 'Li', 'Tan', 'Nguyen', 'Silva', 'Santos', 'Hernández', 'Thompson',
];

/** First half of organisation names. */
export const ORG_PREFIXES = [
  'Nordwind', 'Alpen', 'Blue Harbor', 'Cedar', 'Brightline', 'Kestrel', 'Lumen', 'Northstar', 'Oakridge',
  'Pioneer', 'Quantum', 'Redwood', 'Silverleaf', 'Summit', 'Tidewater', 'Vertex', 'Westfield', 'Zephyr',
  'Aurora', 'Bergmann', 'Crescent', 'Delta', 'Evergreen', 'Falcon', 'Granite', 'Horizon', 'Ironbridge',
  'Juniper', 'Keystone', 'Lighthouse', 'Meridian', 'Nimbus', 'Orchid', 'Polaris', 'Riverstone', 'Sakura',
];

/** Second half of organisation names. */
export const ORG_SECTORS = [
  'Logistics', 'Foods', 'Analytics', 'Health', 'Retail', 'Software', 'Energy', 'Media', 'Consulting',
  'Travel', 'Finance', 'Robotics', 'Labs', 'Studios', 'Systems', 'Outdoor', 'Pharma', 'Education',
];

/** Free-mail domains of individual customers (reserved `.example` names). */
export const MAIL_DOMAINS = ['mail.example', 'inbox.example', 'post.example', 'webmail.example'];

/** Extra tags, with the share of tickets that carry each. */
export const EXTRA_TAGS: { tag: string; share: number }[] = [
  { tag: 'mobile-app', share: 0.14 },
  { tag: 'web-app', share: 0.2 },
  { tag: 'follow-up', share: 0.05 },
  { tag: 'documentation', share: 0.04 },
];

/** CSAT comments by sentiment. */
export const COMMENTS = {
  good: ['Quick and friendly, thanks!', 'Solved my problem right away.', 'Great support as always.',
    'Very helpful, thank you.', 'Clear answer, much appreciated.'],
  bad: ['Took far too long to get an answer.', 'Had to explain the problem three times.',
    'Still not fixed.', 'Nobody got back to me for days.', 'The answer did not help.'],
};
