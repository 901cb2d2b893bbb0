import path from 'node:path';
import { findHomeDir } from '../src/config';
import { loadKnowledgeBase } from '../src/knowledge/knowledge-base';
import { evaluate, formatReport, loadCases } from './eval-runner';

/**
 * `npm run eval [-- <set>]`: precision, recall and F1 per category over test/eval/<set>
 * (default `cases`, the development set; `holdout` was written apart from the rules), with every miss.
 */
const home = findHomeDir();
const set = process.argv[2] ?? 'cases';
const kb = loadKnowledgeBase(path.join(home, 'src', 'knowledge', 'data'));
const report = evaluate(kb, loadCases(path.join(home, 'test', 'eval', set)));
process.stdout.write(`set: test/eval/${set}\n${formatReport(report)}\n`);
