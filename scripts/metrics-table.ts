import { metricsMarkdownTable } from '../src/analytics/registry.ts';

// Prints the metric reference (markdown) generated from the registry, for docs:
// `npx tsx scripts/metrics-table.ts > docs/metrics-table.md`.
process.stdout.write(metricsMarkdownTable());
