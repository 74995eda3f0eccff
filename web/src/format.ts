/** Number formats of the dashboard: counts, durations, rates, scores. */

/** How a metric's value reads. */
export type Unit = 'count' | 'seconds' | 'fraction' | 'percent' | 'nps';

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

/** A duration in seconds as "45s", "12m", "3h 20m", "2d 4h". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/** A value in its unit; "–" when there is none (no data in the range). */
export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  switch (unit) {
    case 'count':
      return count.format(value);
    case 'seconds':
      return duration(value);
    case 'fraction':
      return `${oneDecimal.format(value * 100)}%`;
    case 'percent':
      return `${oneDecimal.format(value)}%`;
    case 'nps':
      return oneDecimal.format(value);
  }
}

/** The change from `previous` to `current`: relative for counts and durations, in points for rates and scores. */
export function formatChange(current: number | null, previous: number | null, unit: Unit): { text: string; delta: number | null } {
  if (current === null || previous === null) return { text: 'no previous data', delta: null };
  const delta = current - previous;
  if (unit === 'fraction') return { text: `${delta >= 0 ? '+' : ''}${oneDecimal.format(delta * 100)} pts`, delta };
  if (unit === 'percent' || unit === 'nps') return { text: `${delta >= 0 ? '+' : ''}${oneDecimal.format(delta)} pts`, delta };
  if (previous === 0) return { text: current === 0 ? '±0%' : 'new', delta };
  const relative = (delta / previous) * 100;
  return { text: `${relative >= 0 ? '+' : ''}${oneDecimal.format(relative)}%`, delta };
}
