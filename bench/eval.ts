import path from 'node:path';
import { findHomeDir } from '../src/config';
import { loadKnowledgeBase } from '../src/knowledge/knowledge-base';
import { evaluate, formatReport, loadCases } from './eval-runner';

/** `npm run eval`: precision, recall and F1 per category over test/eval/cases, with every miss. */
const home = findHomeDir();
const kb = loadKnowledgeBase(path.join(home, 'src', 'knowledge', 'data'));
const report = evaluate(kb, loadCases(path.join(home, 'test', 'eval', 'cases')));
process.stdout.write(formatReport(report) + '\n');
