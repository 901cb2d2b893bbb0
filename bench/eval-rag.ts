/**
 * Retrieval benchmark: labelled queries (bench/rag-queries.json) against the guideline index, in
 * each search mode, with the category filter on as the pipeline uses it. Prints recall@1, recall@3
 * and MRR per mode (overall and per category) and the queries hybrid misses at 3.
 * Exits non-zero if hybrid recall@3 falls below the bar, so CI can hold the line.
 *
 *   npm run eval:rag
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RISK_CATEGORIES, type RiskCategory } from '../src/clinical/types';
import { findHomeDir } from '../src/config';
import { readGuidelines } from '../src/knowledge/guideline-documents';
import { GuidelineIndex, type Passage, type SearchMode } from '../src/knowledge/guideline-index';
import { loadKnowledgeBase } from '../src/knowledge/knowledge-base';
import { OfflineEmbedder } from '../src/knowledge/offline-embedder';
import { migrate } from '../src/store/migrate';
import { openPglite } from '../src/store/pglite-database';

const MODES: SearchMode[] = ['hybrid', 'vector', 'text'];
const REQUIRED_HYBRID_RECALL_AT_3 = 0.9;
/** How deep MRR looks; a document ranked below this counts as not found (reciprocal rank 0). */
const MRR_DEPTH = 10;

const querySchema = z.object({
  id: z.string().min(1),
  category: z.enum(RISK_CATEGORIES),
  query: z.string().min(3),
  expected: z.array(z.string().min(1)).min(1),
});
type LabelledQuery = z.infer<typeof querySchema>;

interface Outcome {
  query: LabelledQuery;
  /** 1-based rank of the first passage from an expected document; undefined if not in the top MRR_DEPTH. */
  rank?: number;
  returned: Passage[];
}

interface Figures {
  n: number;
  recallAt1: number;
  recallAt3: number;
  mrr: number;
}

async function main(): Promise<number> {
  const root = findHomeDir(__dirname);
  const queries = z.array(querySchema).parse(JSON.parse(fs.readFileSync(path.join(root, 'bench', 'rag-queries.json'), 'utf8')));
  const documents = readGuidelines(path.join(root, 'guidelines'));
  const problems = checkLabels(queries, documents);
  if (problems.length > 0) {
    console.error(`bench/rag-queries.json has problems:\n  ${problems.join('\n  ')}`);
    return 2;
  }

  const db = await openPglite();
  try {
    await migrate(db, path.join(root, 'migrations'));
    const kb = loadKnowledgeBase(path.join(root, 'src', 'knowledge', 'data'));
    const index = new GuidelineIndex(db, new OfflineEmbedder(kb));
    const started = Date.now();
    await index.ingest(documents);
    console.log(`${documents.length} guidelines ingested in ${Date.now() - started} ms; ${queries.length} labelled queries\n`);

    const results = new Map<SearchMode, Outcome[]>();
    for (const mode of MODES) {
      const outcomes: Outcome[] = [];
      for (const query of queries) {
        const returned = await index.search(query.query, { category: query.category, limit: MRR_DEPTH, mode });
        const at = returned.findIndex((p) => query.expected.includes(p.documentId));
        outcomes.push({ query, returned, rank: at >= 0 ? at + 1 : undefined });
      }
      results.set(mode, outcomes);
    }

    console.log('Overall (category filter on)');
    printTable(
      ['mode', 'n', 'recall@1', 'recall@3', `MRR@${MRR_DEPTH}`],
      MODES.map((mode) => row(mode, figures(results.get(mode) ?? []))),
    );
    for (const mode of MODES) {
      const outcomes = results.get(mode) ?? [];
      console.log(`\n${mode}, by category`);
      printTable(
        ['category', 'n', 'recall@1', 'recall@3', `MRR@${MRR_DEPTH}`],
        [
          ...RISK_CATEGORIES.map((category) => row(category, figures(outcomes.filter((o) => o.query.category === category)))),
          row('finding-style', figures(outcomes.filter((o) => o.query.id.startsWith('finding-')))),
          row('free-text', figures(outcomes.filter((o) => !o.query.id.startsWith('finding-')))),
        ],
      );
    }

    const hybrid = results.get('hybrid') ?? [];
    const misses = hybrid.filter((o) => o.rank === undefined || o.rank > 3);
    console.log(`\nhybrid misses at 3 (${misses.length})`);
    for (const miss of misses) {
      console.log(`- ${miss.query.id} [${miss.query.category}] rank ${miss.rank ?? `>${MRR_DEPTH}`}`);
      console.log(`    query:    ${miss.query.query}`);
      console.log(`    expected: ${miss.query.expected.join(', ')}`);
      console.log(`    got:      ${distinctDocuments(miss.returned).slice(0, 3).join(', ') || '(nothing)'}`);
    }

    const { recallAt3 } = figures(hybrid);
    if (recallAt3 < REQUIRED_HYBRID_RECALL_AT_3) {
      console.error(`\nFAIL: hybrid recall@3 ${recallAt3.toFixed(3)} < ${REQUIRED_HYBRID_RECALL_AT_3}`);
      return 1;
    }
    console.log(`\nOK: hybrid recall@3 ${recallAt3.toFixed(3)} >= ${REQUIRED_HYBRID_RECALL_AT_3}`);
    return 0;
  } finally {
    await db.close();
  }
}

/** Every expected id must exist and be reachable under the query's category filter; every document and category must be covered. */
function checkLabels(queries: LabelledQuery[], documents: { id: string; categories: RiskCategory[] }[]): string[] {
  const byId = new Map(documents.map((d) => [d.id, d]));
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const q of queries) {
    if (ids.has(q.id)) problems.push(`${q.id}: duplicate id`);
    ids.add(q.id);
    for (const id of q.expected) {
      const doc = byId.get(id);
      if (!doc) problems.push(`${q.id}: unknown guideline ${id}`);
      else if (!doc.categories.includes(q.category)) problems.push(`${q.id}: ${id} is not in category ${q.category}, so the filter hides it`);
    }
  }
  const covered = new Set(queries.flatMap((q) => q.expected));
  for (const doc of documents) if (!covered.has(doc.id)) problems.push(`no query expects ${doc.id}`);
  for (const category of RISK_CATEGORIES) if (!queries.some((q) => q.category === category)) problems.push(`no query in category ${category}`);
  return problems;
}

function figures(outcomes: Outcome[]): Figures {
  const n = outcomes.length;
  if (n === 0) return { n, recallAt1: NaN, recallAt3: NaN, mrr: NaN };
  const within = (k: number) => outcomes.filter((o) => o.rank !== undefined && o.rank <= k).length / n;
  return { n, recallAt1: within(1), recallAt3: within(3), mrr: outcomes.reduce((sum, o) => sum + (o.rank ? 1 / o.rank : 0), 0) / n };
}

function row(label: string, f: Figures): string[] {
  const fmt = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(3));
  return [label, String(f.n), fmt(f.recallAt1), fmt(f.recallAt3), fmt(f.mrr)];
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

function distinctDocuments(passages: Passage[]): string[] {
  return [...new Set(passages.map((p) => p.documentId))];
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(2);
  },
);
