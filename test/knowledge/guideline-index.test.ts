import fs from 'node:fs';
import path from 'node:path';
import type { RiskCategory } from '../../src/clinical/types';
import type { Embedder } from '../../src/knowledge/embedder';
import { parseGuideline, readGuidelines, type GuidelineDocument } from '../../src/knowledge/guideline-documents';
import { GuidelineIndex, type SearchMode } from '../../src/knowledge/guideline-index';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';
import { OfflineEmbedder } from '../../src/knowledge/offline-embedder';
import type { Database } from '../../src/store/database';
import { migrate } from '../../src/store/migrate';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

const root = path.resolve(__dirname, '..', '..');
const guidelinesDir = path.join(root, 'guidelines');

// One database for the file: starting PGlite takes seconds. Tests that change the index put it back.
let testDb: TestDatabase;
let db: Database;
let embedder: OfflineEmbedder;
let index: GuidelineIndex;
let documents: GuidelineDocument[];
let categoriesOf: Map<string, RiskCategory[]>;

beforeAll(async () => {
  testDb = await openTestDatabase();
  db = testDb.db;
  await migrate(db, path.join(root, 'migrations'));
  embedder = new OfflineEmbedder(loadKnowledgeBase(path.join(root, 'src', 'knowledge', 'data')));
  index = new GuidelineIndex(db, embedder);
  documents = readGuidelines(guidelinesDir);
  categoriesOf = new Map(documents.map((d) => [d.id, d.categories]));
  const first = await index.ingest(documents);
  expect(first.added).toHaveLength(documents.length);
});

afterAll(async () => {
  await testDb?.drop();
});

const chunkCount = async (documentId: string) =>
  Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM guideline_chunks WHERE document_id = $1', [documentId])).rows[0].n);

describe('finding the guideline a clinician would cite', () => {
  test('brand names find the guideline written about the generics: Advil with Coumadin is the warfarin–NSAID bleeding guideline', async () => {
    const passages = await index.search('patient on Coumadin told to take Advil for knee pain', { category: 'drug-interaction' });
    expect(passages[0].documentId).toBe('warfarin-nsaid-aspirin-bleeding');
  });

  test('brand names no guideline mentions (Nurofen, Marevan) still find it: the vector ranking knows them from the knowledge base', async () => {
    const text = fs.readFileSync(path.join(guidelinesDir, 'warfarin-nsaid-aspirin-bleeding.md'), 'utf8').toLowerCase();
    expect(text.includes('nurofen') || text.includes('marevan')).toBe(false);
    const [nearest] = await index.search('takes Marevan and was told Nurofen is fine', { category: 'drug-interaction', mode: 'vector' });
    expect(nearest.documentId).toBe('warfarin-nsaid-aspirin-bleeding');
    const [fused] = await index.search('Marevan with Nurofen', { category: 'drug-interaction' });
    expect(fused.documentId).toBe('warfarin-nsaid-aspirin-bleeding');
  });

  test('a finding-style query finds its guideline first', async () => {
    const passages = await index.search('Amoxicillin aminopenicillin penicillin beta lactam antibiotic drug allergy cross-reactivity hypersensitivity reaction', {
      category: 'allergy-conflict',
    });
    expect(passages[0].documentId).toBe('penicillin-allergy-cross-reactivity');
  });

  test('the category filter keeps guidelines of other categories out', async () => {
    const query = 'warfarin ibuprofen bleeding';
    const unfiltered = await index.search(query, { limit: 5 });
    expect(unfiltered[0].documentId).toBe('warfarin-nsaid-aspirin-bleeding');
    const filtered = await index.search(query, { category: 'condition-contraindication', limit: 5 });
    expect(filtered.length).toBeGreaterThan(0);
    for (const p of filtered) expect(categoriesOf.get(p.documentId)).toContain('condition-contraindication');
    expect(filtered.map((p) => p.documentId)).not.toContain('warfarin-nsaid-aspirin-bleeding');
  });

  test.each<SearchMode>(['hybrid', 'vector', 'text'])('%s search returns passages from as many different guidelines as asked for', async (mode) => {
    const passages = await index.search('ibuprofen NSAID stomach bleeding kidney', { limit: 4, mode });
    expect(passages).toHaveLength(4);
    expect(new Set(passages.map((p) => p.documentId)).size).toBe(4);
    for (const p of passages) {
      expect(p.chunkId.startsWith(`${p.documentId}#`)).toBe(true);
      expect(p.content.length).toBeGreaterThan(0);
      expect(p.title.length).toBeGreaterThan(0);
    }
    const scores = passages.map((p) => p.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  test('without a mode, search is hybrid', async () => {
    const query = 'sertraline tramadol agitation sweating';
    expect(await index.search(query, { category: 'drug-interaction' })).toEqual(await index.search(query, { category: 'drug-interaction', mode: 'hybrid' }));
  });

  test('a query with no word the guidelines use still gets the nearest passages by vector', async () => {
    const passages = await index.search('zzxq qqvv', { mode: 'hybrid', limit: 2 });
    expect(passages).toHaveLength(2);
    expect(await index.search('zzxq qqvv', { mode: 'text' })).toEqual([]);
  });
});

describe('keeping the index in step with the guidelines folder', () => {
  test('ingesting the same guidelines again changes nothing', async () => {
    const report = await index.ingest(documents);
    expect(report).toEqual({ added: [], updated: [], unchanged: documents.length, removed: [] });
  });

  test('a changed guideline is re-embedded and re-indexed, and only that one', async () => {
    const file = 'infant-honey-botulism.md';
    const original = fs.readFileSync(path.join(guidelinesDir, file), 'utf8');
    const changed = parseGuideline(`${original.trimEnd()}\n\n## Maple syrup and agave\nMaple syrup and agave nectar are not a substitute to offer instead.\n`, file);
    const edited = documents.map((d) => (d.id === changed.id ? changed : d));
    try {
      const report = await index.ingest(edited);
      expect(report).toEqual({ added: [], updated: [changed.id], unchanged: documents.length - 1, removed: [] });
      expect(await chunkCount(changed.id)).toBe(changed.chunks.length);
      for (const mode of ['vector', 'text'] as const) {
        const [top] = await index.search('maple syrup agave nectar', { mode, limit: 1 });
        expect(top.chunkId).toBe(changed.chunks[changed.chunks.length - 1].id);
      }
    } finally {
      await index.ingest(documents);
    }
  });

  test('a guideline removed from the folder is removed from the index, passages and all', async () => {
    const gone = 'nitrates-pde5-inhibitors';
    const query = 'sildenafil nitroglycerin hypotension';
    expect((await index.search(query))[0].documentId).toBe(gone);
    try {
      const report = await index.ingest(documents.filter((d) => d.id !== gone));
      expect(report).toEqual({ added: [], updated: [], unchanged: documents.length - 1, removed: [gone] });
      expect(await chunkCount(gone)).toBe(0);
      for (const mode of ['hybrid', 'vector', 'text'] as const) {
        expect((await index.search(query, { mode, limit: 10 })).map((p) => p.documentId)).not.toContain(gone);
      }
    } finally {
      expect((await index.ingest(documents)).added).toEqual([gone]);
    }
  });

  test('switching to an embedder of another name re-embeds every guideline', async () => {
    const other: Embedder = { name: 'another-embedder', dimension: embedder.dimension, embed: (texts) => embedder.embed(texts) };
    const switched = await new GuidelineIndex(db, other).ingest(documents);
    expect(switched.updated).toHaveLength(documents.length);
    expect(switched.unchanged).toBe(0);
    const back = await index.ingest(documents);
    expect(back.updated).toHaveLength(documents.length);
    expect((await index.ingest(documents)).unchanged).toBe(documents.length);
  });
});

describe('the offline embedder', () => {
  test('is deterministic and returns unit vectors of its dimension', async () => {
    const [a, b] = await embedder.embed(['warfarin and ibuprofen', 'warfarin and ibuprofen']);
    expect(a).toEqual(b);
    expect(a).toHaveLength(embedder.dimension);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
  });

  test('puts a brand name nearer its generic than an unrelated drug', async () => {
    const [brand, generic, other] = await embedder.embed(['Advil', 'ibuprofen', 'levothyroxine']);
    const cosine = (x: number[], y: number[]) => x.reduce((sum, v, i) => sum + v * y[i], 0);
    expect(cosine(brand, generic)).toBeGreaterThan(cosine(brand, other) + 0.3);
  });
});
