import path from 'node:path';
import { checkCitations } from '../../src/llm/citation-check';
import { FallbackChain } from '../../src/llm/fallback-chain';
import { GeminiProvider } from '../../src/llm/gemini-provider';
import { LlmUnavailableError } from '../../src/llm/llm-errors';
import { EXPLAIN_PLACEHOLDERS, LlmExplainer, type ExplainPassage } from '../../src/llm/llm-explainer';
import type { LlmProvider } from '../../src/llm/llm-provider';
import { OllamaProvider } from '../../src/llm/ollama-provider';
import { loadPromptPair } from '../../src/llm/prompts';
import { answer, FakeLlmServer } from '../support/fake-llm-server';

let server: FakeLlmServer;
beforeAll(async () => {
  server = await FakeLlmServer.start();
});
afterAll(() => server.close());
beforeEach(() => server.reset());

const prompts = loadPromptPair(path.join(__dirname, '../../prompts'), 'explain-finding', EXPLAIN_PLACEHOLDERS);
const explainer = (llm: LlmProvider = new GeminiProvider({ apiKey: 'k', baseUrl: server.url })) => new LlmExplainer({ llm, prompts, timeoutMs: 2000 });

const passage = (n: number, content: string): ExplainPassage => ({
  documentId: `doc-${n}`,
  title: `Guideline ${n}`,
  issuer: 'NICE',
  section: `Section ${n}`,
  url: `https://example.org/g${n}`,
  content,
});
const passages = [
  passage(1, 'NSAIDs increase the risk of bleeding in people taking warfarin.'),
  passage(2, 'Avoid NSAIDs in people with asthma who are sensitive to aspirin.'),
  passage(3, 'Paracetamol is the preferred analgesic in people taking anticoagulants.'),
];
const SUMMARY = 'The reply recommends ibuprofen to a patient taking warfarin.';

test('accepts an explanation in which every sentence cites a given passage, listing only the cited ones', async () => {
  server.script('gemini.generate', answer('Ibuprofen raises bleeding risk with warfarin [3]. Paracetamol is preferred. [3][1]'));

  const result = await explainer().explain(SUMMARY, passages);

  expect(result.text).toBe('Ibuprofen raises bleeding risk with warfarin [1]. Paracetamol is preferred. [1][2]');
  expect(result.citations.map((c) => c.documentId)).toEqual(['doc-3', 'doc-1']);
  expect(result.provider).toBe('gemini');
  const sent = server.last('gemini.generate')!.body;
  expect(sent.contents[0].parts[0].text).toContain('[2] Guideline 2 (NICE), "Section 2":\nAvoid NSAIDs');
  expect(sent.generationConfig.responseMimeType).toBeUndefined();
});

test.each([
  ['an uncited sentence', 'NSAIDs raise bleeding risk with warfarin [1]. The patient should stop ibuprofen now.'],
  ['a citation of a passage that was not given', 'NSAIDs raise bleeding risk with warfarin [4].'],
  ['no text at all', '   '],
])('rejects %s, so the caller keeps the template', async (_label, text) => {
  server.script('gemini.generate', answer(text));
  await expect(explainer().explain(SUMMARY, passages)).rejects.toBeInstanceOf(LlmUnavailableError);
});

test('behind the chain, uncited Gemini text hands over to Ollama', async () => {
  server.script('gemini.generate', answer('Ibuprofen is risky here.'));
  server.script('ollama.chat', answer('NSAIDs raise bleeding risk with warfarin [1].'));
  const chain = new FallbackChain([new GeminiProvider({ apiKey: 'k', baseUrl: server.url }), new OllamaProvider({ host: server.url })], {
    breaker: { failureThreshold: 3, coolDownMs: 1000 },
  });

  const result = await explainer(chain).explain(SUMMARY, passages);

  expect(result).toMatchObject({ provider: 'ollama', text: 'NSAIDs raise bleeding risk with warfarin [1].' });
});

test('without passages there is nothing to cite, and no model is asked', async () => {
  await expect(explainer().explain(SUMMARY, [])).rejects.toBeInstanceOf(LlmUnavailableError);
  expect(server.requests).toHaveLength(0);
});

test('citation rules: markers after the full stop, lists and bullet lines count', () => {
  expect(checkCitations('One. [1] Two [1, 2].\n- Three [2]', 2)).toBeUndefined();
  expect(checkCitations('One [1]. Two.', 2)).toEqual({ kind: 'uncited-sentence', sentence: 'Two.' });
  expect(checkCitations('One [0].', 2)).toEqual({ kind: 'unknown-passage', marker: 0 });
});
