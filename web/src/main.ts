import { DateTime } from 'luxon';
import './style.css';
import { download, gql, NeedsToken, storedToken, storeToken } from './api.ts';
import { chart, COLORS, resizeCharts, type ChartOption } from './charts.ts';
import { formatChange, formatValue, type Unit } from './format.ts';
import * as Q from './queries.ts';
import {
  browserZone,
  CHANNELS,
  GRANULARITIES,
  PRIORITIES,
  RANGES,
  readState,
  resolveRange,
  ticketFilter,
  writeState,
  type Range,
  type ViewState,
} from './state.ts';

// ---- API shapes (the fields the documents in queries.ts select) ----
interface Stats { median: number | null; p90?: number | null }
interface Metrics {
  ticketsCreated: number;
  ticketsSolved: number;
  backlog: number;
  firstResponseTime: Stats;
  resolutionTime: Stats;
  csat: { score: number | null; responses: number };
  nps: { score: number | null; responses: number };
  firstContactResolutionRate: number | null;
  sla: { firstResponse: { attainment: number | null }; resolution: { attainment: number | null } };
}
interface TargetReading { status: 'MET' | 'MISSED' | 'NO_DATA'; actual: number | null; threshold: number; target: { metric: string; name: string; teamId: string | null; agentId: string | null; filter: unknown } }
interface Bucket { start: string; end: string; label: string; metrics: Metrics }
interface Team { id: string; name: string }
interface Viewer { role: string; tokenName: string | null; restrictedToTeams: boolean; teams: Team[] }
interface TicketRow {
  id: string; externalId: string; subject: string | null; channel: string; priority: string; status: string;
  createdAt: string; solvedAt: string | null; assignee: { name: string; team: { name: string } | null } | null;
}

// ---- the view ----
let state: ViewState = readState(location.search);
let ranges = resolveRange(state);
let teams: Team[] = [];
const $ = <T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T => root.querySelector(selector) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function baseVariables(): Record<string, unknown> {
  return { range: ranges.current, filter: ticketFilter(state), timeZone: state.timeZone };
}

const localTime = (iso: string, format = 'dd LLL HH:mm') => DateTime.fromISO(iso).setZone(state.timeZone).toFormat(format);

// ---- metric columns shared by cards and tables ----
interface Column { key: string; label: string; unit: Unit; better: 'up' | 'down' | 'none'; get(m: Metrics): number | null; path: string }
const COLUMNS: Column[] = [
  { key: 'created', label: 'Created', unit: 'count', better: 'none', get: (m) => m.ticketsCreated, path: 'ticketsCreated' },
  { key: 'solved', label: 'Solved', unit: 'count', better: 'up', get: (m) => m.ticketsSolved, path: 'ticketsSolved' },
  { key: 'backlog', label: 'Backlog', unit: 'count', better: 'down', get: (m) => m.backlog, path: 'backlog' },
  { key: 'frt', label: 'First response (median)', unit: 'seconds', better: 'down', get: (m) => m.firstResponseTime.median, path: 'firstResponseTime.median' },
  { key: 'resolution', label: 'Resolution (median)', unit: 'seconds', better: 'down', get: (m) => m.resolutionTime.median, path: 'resolutionTime.median' },
  { key: 'csat', label: 'CSAT', unit: 'percent', better: 'up', get: (m) => m.csat.score, path: 'csat.score' },
  { key: 'nps', label: 'NPS', unit: 'nps', better: 'up', get: (m) => m.nps.score, path: 'nps.score' },
  { key: 'fcr', label: 'First-contact resolution', unit: 'fraction', better: 'up', get: (m) => m.firstContactResolutionRate, path: 'firstContactResolutionRate' },
  { key: 'sla', label: 'SLA first response', unit: 'fraction', better: 'up', get: (m) => m.sla.firstResponse.attainment, path: 'sla.firstResponse.attainment' },
];

// ---- panels: each one request, its own download buttons, its own state ----
interface Panel {
  id: string;
  title: string;
  document: string;
  variables(): Record<string, unknown>;
  render(body: HTMLElement, data: unknown): void;
  /** The document /export runs for the download buttons (default: `document`). */
  exportDocument?: string;
  wide?: boolean;
}

const controllers = new Map<string, AbortController>();

async function load(panel: Panel): Promise<void> {
  const section = $(`[data-panel="${panel.id}"]`);
  const body = $('.panel-body', section);
  controllers.get(panel.id)?.abort();
  const controller = new AbortController();
  controllers.set(panel.id, controller);
  section.dataset.state = 'loading';
  try {
    const data = await gql(panel.document, panel.variables(), controller.signal);
    if (controller.signal.aborted) return;
    panel.render(body, data);
    section.dataset.state = 'ready';
  } catch (error) {
    if (controller.signal.aborted || (error instanceof DOMException && error.name === 'AbortError')) return;
    if (error instanceof NeedsToken) return askForToken();
    section.dataset.state = 'error';
    body.replaceChildren(el('p', { class: 'error' }, (error as Error).message));
  }
}

function panelFrame(panel: Panel): HTMLElement {
  const buttons = (['csv', 'xlsx'] as const).map((format) => {
    const button = el('button', { type: 'button', class: 'download', 'data-format': format, title: `Download as ${format.toUpperCase()}` }, format.toUpperCase());
    button.addEventListener('click', () => {
      download(panel.exportDocument ?? panel.document, panel.variables(), format, state.timeZone, `${panel.id}-${ranges.current.from.slice(0, 10)}`).catch((error) => {
        if (error instanceof NeedsToken) askForToken();
        else alert((error as Error).message);
      });
    });
    return button;
  });
  return el(
    'section',
    { class: `panel${panel.wide ? ' wide' : ''}`, 'data-panel': panel.id, 'data-state': 'loading' },
    el('header', {}, el('h2', {}, panel.title), el('div', { class: 'downloads' }, ...buttons)),
    el('div', { class: 'panel-body' }, el('p', { class: 'muted' }, 'Loading…')),
  );
}

// ---- drill-through: the tickets behind a number ----
async function drill(title: string, filter: Record<string, unknown>): Promise<void> {
  const dialog = $<HTMLDialogElement>('#drill');
  $('h2', dialog).textContent = title;
  const list = $('tbody', dialog);
  const summary = $('.drill-summary', dialog);
  const more = $<HTMLButtonElement>('.drill-more', dialog);
  list.replaceChildren();
  summary.textContent = 'Loading…';
  dialog.dataset.state = 'loading';
  if (!dialog.open) dialog.showModal();
  let after: string | null = null;
  const page = async () => {
    type Answer = { tickets: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: TicketRow[] } };
    const data: Answer = await gql<Answer>(Q.TICKETS, { filter, after });
    for (const t of data.tickets.nodes) {
      list.append(
        el('tr', { 'data-id': t.id },
          el('td', {}, t.externalId), el('td', {}, t.subject ?? ''), el('td', {}, t.channel), el('td', {}, t.priority), el('td', {}, t.status),
          el('td', {}, localTime(t.createdAt)), el('td', {}, t.assignee ? `${t.assignee.name}${t.assignee.team ? ` (${t.assignee.team.name})` : ''}` : '–')),
      );
    }
    dialog.dataset.total = String(data.tickets.totalCount);
    summary.textContent = `${data.tickets.totalCount} tickets${data.tickets.pageInfo.hasNextPage ? `, showing ${list.children.length}` : ''}`;
    after = data.tickets.pageInfo.endCursor;
    more.hidden = !data.tickets.pageInfo.hasNextPage;
    dialog.dataset.state = 'ready';
  };
  more.onclick = () => void page().catch(drillError);
  const drillError = (error: unknown) => {
    if (error instanceof NeedsToken) return askForToken();
    summary.textContent = (error as Error).message;
    dialog.dataset.state = 'error';
  };
  await page().catch(drillError);
}

function withFilter(extra: Record<string, unknown>): Record<string, unknown> {
  return { ...ticketFilter(state), ...extra };
}

// ---- KPI cards ----
function sparkline(container: HTMLElement, values: (number | null)[], color: string): void {
  chart(container, {
    grid: { left: 0, right: 0, top: 2, bottom: 2 },
    xAxis: { type: 'category', show: false, boundaryGap: false },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data: values, symbol: 'none', smooth: true, connectNulls: true, lineStyle: { width: 1.5, color }, areaStyle: { color, opacity: 0.08 } }],
  });
}

const kpiPanel: Panel = {
  id: 'kpis',
  title: 'Key figures',
  wide: true,
  document: Q.KPIS,
  exportDocument: Q.TRENDS,
  variables: () => ({ ...baseVariables(), previous: ranges.previous, granularity: state.granularity }),
  render(body, raw) {
    const data = raw as { current: Metrics & { targets: TargetReading[] }; previous: Metrics; series: Bucket[] };
    const cards = COLUMNS.map((column) => {
      const current = column.get(data.current);
      const previous = column.get(data.previous);
      const change = formatChange(current, previous, column.unit);
      const good = change.delta === null || change.delta === 0 || column.better === 'none' ? 'neutral' : (change.delta > 0) === (column.better === 'up') ? 'good' : 'bad';
      // A target over everyone (no team or agent scope, no filter of its own) on this
      // metric colours the card; others (e-mail only, one team) would judge other tickets.
      const reading = data.current.targets.find((r) => r.target.metric === column.path && !r.target.teamId && !r.target.agentId && r.target.filter == null);
      const card = el('article', { class: `card${reading ? ` target-${reading.status.toLowerCase()}` : ''}`, 'data-card': column.key, 'data-value': current === null ? '' : String(current) },
        el('h3', {}, column.label),
        el('p', { class: 'value' }, formatValue(current, column.unit)),
        el('p', { class: `change ${good}` }, change.text, el('span', { class: 'muted' }, ` vs ${formatValue(previous, column.unit)}`)),
        ...(reading ? [el('p', { class: 'target', title: reading.target.name }, `${reading.status === 'MET' ? '✓' : reading.status === 'MISSED' ? '✗' : '·'} target ${formatValue(reading.threshold, column.unit)}`)] : []),
        el('div', { class: 'spark' }),
      );
      return { card, column };
    });
    body.replaceChildren(el('div', { class: 'cards' }, ...cards.map((c) => c.card)));
    cards.forEach(({ card, column }, i) => sparkline($('.spark', card), data.series.map((b) => column.get(b.metrics)), COLORS[i % COLORS.length]));
  },
};

// ---- trends ----
function lineOption(buckets: Bucket[], series: { name: string; values: (number | null)[]; type?: 'line' | 'bar'; color: string }[], axis: (v: number) => string): ChartOption {
  return {
    color: series.map((s) => s.color),
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? axis(v) : '–') },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 48, right: 12, top: 28, bottom: 24 },
    xAxis: { type: 'category', data: buckets.map((b) => b.label), axisLabel: { fontSize: 10 } },
    yAxis: { type: 'value', axisLabel: { fontSize: 10, formatter: (v: number) => axis(v) } },
    series: series.map((s) => ({ name: s.name, type: s.type ?? 'line', data: s.values, connectNulls: true, symbolSize: 4 })),
  };
}

const trendsPanel: Panel = {
  id: 'trends',
  title: 'Trends',
  wide: true,
  document: Q.TRENDS,
  variables: () => ({ ...baseVariables(), granularity: state.granularity }),
  render(body, raw) {
    const buckets = (raw as { timeSeries: Bucket[] }).timeSeries;
    body.dataset.starts = JSON.stringify(buckets.map((b) => b.start));
    const boxes = ['volume', 'speed', 'satisfaction', 'sla'].map((name) => el('div', { class: 'chart', 'data-chart': name }));
    // The numbers behind the charts, readable and clickable (drill-through) without a mouse on a canvas.
    const rows = buckets.map((b) =>
      el('tr', { 'data-start': b.start },
        el('td', {}, b.label),
        el('td', {}, el('button', { type: 'button', class: 'link', 'data-drill': 'created' }, formatValue(b.metrics.ticketsCreated, 'count'))),
        el('td', {}, formatValue(b.metrics.ticketsSolved, 'count')),
        el('td', {}, formatValue(b.metrics.backlog, 'count')),
        el('td', {}, formatValue(b.metrics.firstResponseTime.median, 'seconds')),
        el('td', {}, formatValue(b.metrics.csat.score, 'percent'))),
    );
    const table = el('details', { class: 'bucket-table' },
      el('summary', {}, 'Table'),
      el('table', {}, el('thead', {}, el('tr', {}, ...['Bucket', 'Created', 'Solved', 'Backlog', 'FRT median', 'CSAT'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows)));
    body.replaceChildren(el('div', { class: 'charts' }, ...boxes), table);
    const openBucket = (index: number) => {
      const b = buckets[index];
      void drill(`Created ${b.label}`, withFilter({ createdAt: { from: b.start, to: b.end } }));
    };
    rows.forEach((row, i) => $('button', row).addEventListener('click', () => openBucket(i)));
    const hours = (v: number) => `${Math.round((v / 3600) * 10) / 10}h`;
    const pct = (v: number) => `${Math.round(v * 100)}%`;
    const volume = chart(boxes[0], lineOption(buckets, [
      { name: 'Created', type: 'bar', values: buckets.map((b) => b.metrics.ticketsCreated), color: COLORS[0] },
      { name: 'Solved', type: 'bar', values: buckets.map((b) => b.metrics.ticketsSolved), color: COLORS[1] },
      { name: 'Backlog', values: buckets.map((b) => b.metrics.backlog), color: COLORS[2] },
    ], (v) => String(Math.round(v))));
    volume.on('click', (event) => openBucket((event as { dataIndex: number }).dataIndex));
    chart(boxes[1], lineOption(buckets, [
      { name: 'FRT median', values: buckets.map((b) => b.metrics.firstResponseTime.median), color: COLORS[0] },
      { name: 'FRT p90', values: buckets.map((b) => b.metrics.firstResponseTime.p90 ?? null), color: COLORS[4] },
      { name: 'Resolution median', values: buckets.map((b) => b.metrics.resolutionTime.median), color: COLORS[5] },
    ], hours));
    chart(boxes[2], lineOption(buckets, [
      { name: 'CSAT', values: buckets.map((b) => b.metrics.csat.score), color: COLORS[1] },
      { name: 'NPS', values: buckets.map((b) => b.metrics.nps.score), color: COLORS[4] },
    ], (v) => String(Math.round(v))));
    chart(boxes[3], lineOption(buckets, [
      { name: 'SLA first response', values: buckets.map((b) => b.metrics.sla.firstResponse.attainment), color: COLORS[0] },
      { name: 'SLA resolution', values: buckets.map((b) => b.metrics.sla.resolution.attainment), color: COLORS[3] },
    ], pct));
  },
};

// ---- sortable tables ----
interface TableRow { id: string; name: string; extra?: string; metrics: Metrics; drill: Record<string, unknown> }

function sortableTable(body: HTMLElement, rows: TableRow[], first: string, extraLabel?: string): void {
  let sortKey = 'created';
  let descending = true;
  const columns = COLUMNS.slice(0, 9);
  const table = el('table', { class: 'sortable' });
  const draw = () => {
    const column = columns.find((c) => c.key === sortKey);
    const sorted = [...rows].sort((a, b) => {
      if (!column) return descending ? b.name.localeCompare(a.name) : a.name.localeCompare(b.name);
      const x = column.get(a.metrics) ?? -Infinity;
      const y = column.get(b.metrics) ?? -Infinity;
      return descending ? y - x : x - y;
    });
    const header = (key: string, label: string) => {
      const th = el('th', { 'data-sort': key, 'aria-sort': key === sortKey ? (descending ? 'descending' : 'ascending') : 'none' }, label);
      th.addEventListener('click', () => {
        descending = key === sortKey ? !descending : true;
        sortKey = key;
        draw();
      });
      return th;
    };
    table.replaceChildren(
      el('thead', {}, el('tr', {}, header('name', first), ...(extraLabel ? [el('th', {}, extraLabel)] : []), ...columns.map((c) => header(c.key, c.label)))),
      el('tbody', {}, ...sorted.map((row) => {
        const tr = el('tr', { 'data-id': row.id, tabindex: '0', title: `Tickets of ${row.name}` },
          el('td', {}, row.name), ...(extraLabel ? [el('td', {}, row.extra ?? '')] : []), ...columns.map((c) => el('td', {}, formatValue(c.get(row.metrics), c.unit))));
        tr.addEventListener('click', () => void drill(`Created: ${row.name}`, row.drill));
        return tr;
      })),
    );
  };
  draw();
  body.replaceChildren(el('div', { class: 'scroll' }, table));
}

const teamsPanel: Panel = {
  id: 'teams',
  title: 'Teams',
  wide: true,
  document: Q.TEAMS,
  variables: baseVariables,
  render(body, raw) {
    const groups = (raw as { breakdown: { key: { team: Team | null }; metrics: Metrics }[] }).breakdown;
    sortableTable(body, groups.filter((g) => g.key.team).map((g) => ({
      id: g.key.team!.id, name: g.key.team!.name, metrics: g.metrics,
      drill: withFilter({ teamIds: [g.key.team!.id], createdAt: ranges.current }),
    })), 'Team');
  },
};

const agentsPanel: Panel = {
  id: 'agents',
  title: 'Agents',
  wide: true,
  document: Q.AGENTS,
  variables: baseVariables,
  render(body, raw) {
    const groups = (raw as { breakdown: { key: { agent: { id: string; name: string; team: { name: string } | null } | null }; metrics: Metrics }[] }).breakdown;
    sortableTable(body, groups.filter((g) => g.key.agent).map((g) => ({
      id: g.key.agent!.id, name: g.key.agent!.name, extra: g.key.agent!.team?.name, metrics: g.metrics,
      drill: withFilter({ agentIds: [g.key.agent!.id], createdAt: ranges.current }),
    })), 'Agent', 'Team');
  },
};

function barsOption(labels: string[], series: { name: string; values: number[]; color: string }[]): ChartOption {
  return {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 110, right: 16, top: 28, bottom: 20 },
    xAxis: { type: 'value', axisLabel: { fontSize: 10 } },
    yAxis: { type: 'category', data: labels, inverse: true, axisLabel: { fontSize: 11, width: 100, overflow: 'truncate' } },
    series: series.map((s) => ({ name: s.name, type: 'bar', data: s.values, itemStyle: { color: s.color } })),
  };
}

const channelsPanel: Panel = {
  id: 'channels',
  title: 'Channels',
  document: Q.CHANNELS,
  variables: baseVariables,
  render(body, raw) {
    const groups = (raw as { breakdown: { key: { channel: string }; metrics: { ticketsCreated: number; ticketsSolved: number } }[] }).breakdown;
    const box = el('div', { class: 'chart' });
    body.replaceChildren(box);
    const instance = chart(box, barsOption(groups.map((g) => g.key.channel), [
      { name: 'Created', values: groups.map((g) => g.metrics.ticketsCreated), color: COLORS[0] },
      { name: 'Solved', values: groups.map((g) => g.metrics.ticketsSolved), color: COLORS[1] },
    ]));
    instance.on('click', (event) => {
      const g = groups[(event as { dataIndex: number }).dataIndex];
      void drill(`Created: ${g.key.channel}`, withFilter({ channels: [g.key.channel], createdAt: ranges.current }));
    });
  },
};

const reasonsPanel: Panel = {
  id: 'reasons',
  title: 'Contact reasons',
  document: Q.REASONS,
  variables: baseVariables,
  render(body, raw) {
    const groups = (raw as { breakdown: { key: { category: Team | null }; metrics: { ticketsCreated: number } }[] }).breakdown;
    const box = el('div', { class: 'chart' });
    body.replaceChildren(box);
    const instance = chart(box, barsOption(groups.map((g) => g.key.category?.name ?? 'No category'), [
      { name: 'Created', values: groups.map((g) => g.metrics.ticketsCreated), color: COLORS[5] },
    ]));
    instance.on('click', (event) => {
      const g = groups[(event as { dataIndex: number }).dataIndex];
      if (g.key.category) void drill(`Created: ${g.key.category.name}`, withFilter({ categoryIds: [g.key.category.id], createdAt: ranges.current }));
    });
  },
};

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const heatmapPanel: Panel = {
  id: 'heatmap',
  title: 'Arrivals by weekday and hour',
  wide: true,
  document: Q.HEATMAP,
  variables: baseVariables,
  render(body, raw) {
    const groups = (raw as { breakdown: { key: { weekday: number; hourOfDay: number }; metrics: { ticketsCreated: number } }[] }).breakdown;
    const cells = groups.map((g) => [g.key.hourOfDay, g.key.weekday - 1, g.metrics.ticketsCreated]);
    const max = Math.max(1, ...cells.map((c) => c[2]));
    const box = el('div', { class: 'chart heat' });
    body.replaceChildren(box);
    body.dataset.total = String(cells.reduce((sum, c) => sum + c[2], 0));
    const instance = chart(box, {
      tooltip: { formatter: (p: { value: number[] }) => `${WEEKDAYS[p.value[1]]} ${String(p.value[0]).padStart(2, '0')}:00 — ${p.value[2]} tickets` },
      grid: { left: 40, right: 12, top: 8, bottom: 48 },
      xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h)), splitArea: { show: true }, axisLabel: { fontSize: 10 } },
      yAxis: { type: 'category', data: WEEKDAYS, inverse: true, axisLabel: { fontSize: 10 } },
      visualMap: { min: 0, max, calculable: false, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, textStyle: { fontSize: 10 }, inRange: { color: ['#eff6ff', '#1d4ed8'] } },
      series: [{ type: 'heatmap', data: cells, emphasis: { itemStyle: { borderColor: '#111', borderWidth: 1 } } }],
    });
    // A cell opens its tickets: the same local wall-clock rule as the breakdown that drew it.
    instance.on('click', (event) => {
      const [hour, day] = (event as { value: number[] }).value;
      void drill(`Created ${WEEKDAYS[day]} ${String(hour).padStart(2, '0')}:00`,
        withFilter({ createdAt: ranges.current, createdLocal: { timeZone: state.timeZone, weekdays: [day + 1], hours: [hour] } }));
    });
  },
};

const AT_RISK_WITHIN = 'PT4H';
const atRiskPanel: Panel = {
  id: 'atrisk',
  title: 'SLA at risk (next 4 hours)',
  document: Q.AT_RISK,
  variables: () => ({ filter: ticketFilter(state), within: AT_RISK_WITHIN }),
  render(body, raw) {
    const risks = (raw as { slaAtRisk: { target: string; dueAt: string; secondsLeft: number; ticket: TicketRow }[] }).slaAtRisk;
    const updated = el('p', { class: 'muted small' }, `Updated ${DateTime.now().setZone(state.timeZone).toFormat('HH:mm:ss')}, refreshes every minute`);
    if (risks.length === 0) return body.replaceChildren(el('p', { class: 'muted' }, 'No open target due in the next 4 hours.'), updated);
    body.replaceChildren(el('div', { class: 'scroll' }, el('table', {},
      el('thead', {}, el('tr', {}, ...['Ticket', 'Target', 'Due', 'Left', 'Assignee'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...risks.map((r) => el('tr', { class: r.secondsLeft < 3600 ? 'urgent' : '' },
        el('td', {}, `${r.ticket.externalId} ${r.ticket.subject ?? ''}`), el('td', {}, r.target === 'FIRST_RESPONSE' ? 'First response' : 'Resolution'),
        el('td', {}, localTime(r.dueAt, 'HH:mm')), el('td', {}, formatValue(r.secondsLeft, 'seconds')), el('td', {}, r.ticket.assignee?.name ?? '–')))))), updated);
  },
};

const PANELS: Panel[] = [kpiPanel, trendsPanel, teamsPanel, channelsPanel, reasonsPanel, heatmapPanel, atRiskPanel, agentsPanel];

// ---- the filter bar ----
function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = el('option', { value }, label);
  o.selected = selected;
  return o;
}

function zones(): string[] {
  const all = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set(['UTC', browserZone(), state.timeZone, ...all])];
}

function renderFilters(viewer: Viewer | null): void {
  const bar = $('#filters');
  const select = (name: string, label: string, options: HTMLOptionElement[]) => {
    const s = el('select', { name, 'aria-label': label }, ...options);
    return el('label', {}, el('span', {}, label), s);
  };
  const single = (values: readonly string[], chosen: string[], all: string) => [option('', all, chosen.length === 0), ...values.map((v) => option(v, v.charAt(0) + v.slice(1).toLowerCase(), chosen.length === 1 && chosen[0] === v))];
  bar.replaceChildren(
    select('range', 'Range', Object.entries(RANGES).map(([key, label]) => option(key, label, state.range === key))),
    el('label', { class: 'custom', ...(state.range === 'custom' ? {} : { hidden: '' }) }, el('span', {}, 'From'), el('input', { type: 'date', name: 'from', value: state.from })),
    el('label', { class: 'custom', ...(state.range === 'custom' ? {} : { hidden: '' }) }, el('span', {}, 'To'), el('input', { type: 'date', name: 'to', value: state.to })),
    select('tz', 'Time zone', zones().map((z) => option(z, z, z === state.timeZone))),
    select('granularity', 'Granularity', GRANULARITIES.map((g) => option(g, g.charAt(0) + g.slice(1).toLowerCase(), g === state.granularity))),
    select('team', 'Team', [option('', viewer?.restrictedToTeams ? 'My teams' : 'All teams', state.teamIds.length === 0), ...teams.map((t) => option(t.id, t.name, state.teamIds.length === 1 && state.teamIds[0] === t.id))]),
    select('channel', 'Channel', single(CHANNELS, state.channels, 'All channels')),
    select('priority', 'Priority', single(PRIORITIES, state.priorities, 'All priorities')),
  );
  bar.onchange = (event) => {
    const target = event.target as HTMLInputElement | HTMLSelectElement;
    const next: ViewState = { ...state };
    switch (target.name) {
      case 'range':
        next.range = target.value as ViewState['range'];
        if (next.range === 'custom' && !next.from) {
          const r = resolveRange(state);
          next.from = DateTime.fromISO(r.current.from).setZone(state.timeZone).toISODate() ?? '';
          next.to = DateTime.fromISO(r.current.to).setZone(state.timeZone).minus({ days: 1 }).toISODate() ?? '';
        }
        if (next.range === '90d' && state.granularity === 'DAY') next.granularity = 'WEEK';
        break;
      case 'from': next.from = target.value; break;
      case 'to': next.to = target.value; break;
      case 'tz': next.timeZone = target.value; break;
      case 'granularity': next.granularity = target.value as ViewState['granularity']; break;
      case 'team': next.teamIds = target.value ? [target.value] : []; break;
      case 'channel': next.channels = target.value ? [target.value] : []; break;
      case 'priority': next.priorities = target.value ? [target.value] : []; break;
    }
    apply(next, viewer);
  };
  const who = $('#viewer');
  who.replaceChildren(
    viewer ? el('span', { class: 'muted' }, `${viewer.tokenName ?? 'no token'} · ${viewer.role}${viewer.restrictedToTeams ? ` · ${viewer.teams.map((t) => t.name).join(', ')}` : ''}`) : '',
    ...(storedToken() ? [el('button', { type: 'button', id: 'sign-out' }, 'Sign out')] : []),
  );
  $('#sign-out')?.addEventListener('click', () => {
    storeToken(null);
    location.reload();
  });
}

function rangeCaption(range: Range): string {
  const from = DateTime.fromISO(range.from).setZone(state.timeZone);
  const to = DateTime.fromISO(range.to).setZone(state.timeZone).minus({ days: 1 });
  return `${from.toFormat('d LLL yyyy')} – ${to.toFormat('d LLL yyyy')} (${state.timeZone})`;
}

function apply(next: ViewState, viewer: Viewer | null): void {
  state = next;
  ranges = resolveRange(state);
  history.replaceState(null, '', writeState(state));
  renderFilters(viewer);
  $('#caption').textContent = rangeCaption(ranges.current);
  for (const panel of PANELS) void load(panel);
}

// ---- token prompt (production: every request needs one) ----
let asking = false;
function askForToken(): void {
  if (asking) return;
  asking = true;
  const dialog = $<HTMLDialogElement>('#token');
  const form = $<HTMLFormElement>('form', dialog);
  $('.token-error', dialog).textContent = storedToken() ? 'That token was refused; paste another one.' : '';
  form.onsubmit = (event) => {
    event.preventDefault();
    const value = ($<HTMLInputElement>('input', form)).value.trim();
    if (!value) return;
    storeToken(value);
    dialog.close();
    asking = false;
    void start();
  };
  if (!dialog.open) dialog.showModal();
}

async function start(): Promise<void> {
  let viewer: Viewer;
  try {
    const data = await gql<{ viewer: Viewer; teams: Team[] }>(Q.VIEWER, {});
    viewer = data.viewer;
    teams = data.teams;
  } catch (error) {
    if (error instanceof NeedsToken) return askForToken();
    $('#caption').textContent = (error as Error).message;
    return;
  }
  // A TEAM_LEAD reads only their teams; a remembered filter on another team is dropped.
  const known = new Set(teams.map((t) => t.id));
  apply({ ...state, teamIds: state.teamIds.filter((id) => known.has(id)) }, viewer);
}

// ---- page skeleton ----
$('#panels').replaceChildren(...PANELS.map(panelFrame));
$<HTMLButtonElement>('#drill .close').addEventListener('click', () => $<HTMLDialogElement>('#drill').close());
window.addEventListener('resize', () => resizeCharts());
setInterval(() => {
  if (document.visibilityState === 'visible' && !asking) void load(atRiskPanel);
}, 60_000);
void start();
