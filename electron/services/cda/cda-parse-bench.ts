/**
 * Parse throughput of the CDA parser on generated decisions: `npx tsx electron/services/cda/cda-parse-bench.ts [n]`.
 * Prints documents per second (single thread); no assertion, figures depend on the machine's load.
 */
import { parseDecisionCda } from './decision-cda-parser';
import { generateDecisionBatch } from './fake';

const count = Number(process.argv[2] ?? 10_000);
const items = generateDecisionBatch({
  seed: 20250615,
  count,
  finessEgs: ['990000011', '990000029', '990000037'],
  today: '2025-06-15',
});
const bytes = items.reduce((sum, item) => sum + item.cdaXml.length, 0);
for (const item of items.slice(0, 200)) parseDecisionCda(item.cdaXml); // warm-up
const start = performance.now();
for (const item of items) parseDecisionCda(item.cdaXml);
const seconds = (performance.now() - start) / 1000;
console.log(
  `${count} documents (${Math.round(bytes / count)} caractères en moyenne) en ${seconds.toFixed(2)} s : ` +
    `${Math.round(count / seconds)} documents/s`,
);
