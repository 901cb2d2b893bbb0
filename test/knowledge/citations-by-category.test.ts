import path from 'node:path';
import { flagsFor, loadCases } from '../../bench/eval-runner';
import { findHomeDir } from '../../src/config';
import { readGuidelines } from '../../src/knowledge/guideline-documents';
import { GuidelineIndex } from '../../src/knowledge/guideline-index';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';
import { OfflineEmbedder } from '../../src/knowledge/offline-embedder';
import { explainFinding, retrievalQuery } from '../../src/pipeline/explain';
import { migrate } from '../../src/store/migrate';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Level 4 with no language model: every finding the rules flag on the labelled set gets a templated
 * explanation citing at least one guideline written about that finding's risk category.
 */
const home = findHomeDir();
const kb = loadKnowledgeBase(path.join(home, 'src', 'knowledge', 'data'));
const documents = readGuidelines(path.join(home, 'guidelines'));
const categoriesOf = new Map(documents.map((d) => [d.id, d.categories as string[]]));
let testDb: TestDatabase;
let index: GuidelineIndex;

beforeAll(async () => {
  testDb = await openTestDatabase();
  await migrate(testDb.db, path.join(home, 'migrations'));
  index = new GuidelineIndex(testDb.db, new OfflineEmbedder(kb));
  await index.ingest(documents);
});

afterAll(async () => {
  await testDb?.drop();
});

test('every flagged finding is explained with a citation about its own category', async () => {
  const cases = loadCases(path.join(home, 'test', 'eval', 'cases'));
  const findings = cases.flatMap((c) => flagsFor(kb, c, new Date('2026-11-24T12:00:00Z')));
  expect(findings.length).toBeGreaterThan(150);
  const uncited: string[] = [];
  for (const finding of findings) {
    const passages = await index.search(retrievalQuery(kb, finding), { category: finding.category, limit: 2 });
    const explanation = explainFinding(kb, finding, passages);
    const onTopic = explanation.citations.filter((c) => categoriesOf.get(c.documentId)?.includes(finding.category));
    if (onTopic.length === 0) uncited.push(`${finding.category} ${finding.rule}`);
    else expect(explanation.text).toMatch(/\[1\]/);
  }
  expect(uncited).toEqual([]);
});
