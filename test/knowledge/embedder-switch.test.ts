import path from 'node:path';
import { findHomeDir } from '../../src/config';
import { readGuidelines } from '../../src/knowledge/guideline-documents';
import { GuidelineIndex } from '../../src/knowledge/guideline-index';
import { loadKnowledgeBase } from '../../src/knowledge/knowledge-base';
import { OfflineEmbedder } from '../../src/knowledge/offline-embedder';
import { OllamaEmbedder } from '../../src/llm/ollama-embedder';
import { migrate } from '../../src/store/migrate';
import { FakeLlmServer } from '../support/fake-llm-server';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

/** The vector width follows the embedder: switching from the offline embedder to Ollama re-embeds everything. */
const home = findHomeDir();
let testDb: TestDatabase;
let fake: FakeLlmServer;

beforeAll(async () => {
  testDb = await openTestDatabase();
  await migrate(testDb.db, path.join(home, 'migrations'));
  fake = await FakeLlmServer.start();
});

afterAll(async () => {
  await fake?.close();
  await testDb?.drop();
});

test('switching embedder re-embeds every guideline at the new width, and retrieval keeps working', async () => {
  const documents = readGuidelines(path.join(home, 'guidelines'));
  const offline = new GuidelineIndex(testDb.db, new OfflineEmbedder(loadKnowledgeBase(path.join(home, 'src', 'knowledge', 'data'))));
  expect((await offline.ingest(documents)).added).toHaveLength(documents.length);
  const width = async () => (await testDb.db.query<{ d: number }>('SELECT DISTINCT vector_dims(embedding) AS d FROM guideline_chunks')).rows.map((r) => Number(r.d));
  expect(await width()).toEqual([256]);

  const ollama = new GuidelineIndex(testDb.db, new OllamaEmbedder({ host: fake.url, timeoutMs: 5000 }));
  const report = await ollama.ingest(documents);
  expect(report.updated).toHaveLength(documents.length);
  expect(await width()).toEqual([768]);
  expect(fake.count('ollama.embed')).toBeGreaterThan(0);
  const passages = await ollama.search('warfarin ibuprofen bleeding', { category: 'drug-interaction', limit: 2 });
  expect(passages.length).toBeGreaterThan(0);
  expect((await ollama.ingest(documents)).unchanged).toBe(documents.length);
});
