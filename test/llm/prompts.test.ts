import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXPLAIN_PLACEHOLDERS } from '../../src/llm/llm-explainer';
import { SECOND_OPINION_PLACEHOLDERS } from '../../src/llm/llm-analyzer';
import { loadPrompt, loadPromptPair, PromptTemplate } from '../../src/llm/prompts';

const PROMPTS = path.join(__dirname, '../../prompts');

test('the shipped prompt files have exactly the placeholders the code fills', () => {
  expect(() => loadPromptPair(PROMPTS, 'second-opinion', SECOND_OPINION_PLACEHOLDERS)).not.toThrow();
  expect(() => loadPromptPair(PROMPTS, 'explain-finding', EXPLAIN_PLACEHOLDERS)).not.toThrow();
});

test('fills placeholders once, leaving braces inside values alone', () => {
  const t = new PromptTemplate('t', 'A {{ first }} and {{second}}.');
  expect(t.fill({ first: '{{second}}', second: 'two' })).toBe('A {{second}} and two.');
});

test('a missing or unexpected value fails loudly', () => {
  const t = new PromptTemplate('t', 'A {{first}} and {{second}}.');
  expect(() => t.fill({ first: 'one' })).toThrow('Prompt t: missing {{second}}');
  expect(() => t.fill({ first: 'one', second: 'two', third: 'three' })).toThrow('no placeholder for third');
});

test('a prompt file that drifted from the code stops start-up', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-prompts-'));
  fs.writeFileSync(path.join(dir, 'p.md'), 'Hello {{name}} {{typo}}');
  expect(() => loadPrompt(dir, 'p', ['name', 'age'])).toThrow(/missing: age; unknown: typo/);
  expect(() => loadPrompt(dir, 'absent', [])).toThrow(/cannot read/);
});
