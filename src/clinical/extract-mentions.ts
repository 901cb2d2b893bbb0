import { normalizeTerm, type AgentRef, type KnowledgeBase } from '../knowledge/knowledge-base';
import type { ChatMessage, DrugMention, Stance } from './types';

interface Token {
  word: string;
  start: number;
  end: number;
}

const CLAUSE_BREAK = /[.!?;\n]|\bbut\b|\bhowever\b/gi;
/** "Augmentin contains amoxicillin. Please don't take it." The next sentence can warn about the drug by pronoun. */
const PRONOUN_WARNING =
  /^\s*[^.!?]{0,80}?\b(?:(?:it'?s\s+)?(?:best|better|safest|wiser)\s+not\s+to\s+(?:take|use|start|give|try)\s+(?:it|them|this|that)\b|(?:likely|more likely|less likely)\s+to\s+react\s+to\s+(?:it|them)\b|(?:don'?t|do not|never|shouldn'?t|should not|please don'?t)\s+(?:take|use|give|start|try)\s+(?:it|them|this|that|these)\b(?!\s+(?:with|on|before|after|if|while|when|more|longer|for (?:more|longer)|at the same time|together|within|unless|past|beyond|alongside|and drive|then))|(?:it|this|that|they|these)\s*(?:(?:'s|is|are|would be)\s+not|wouldn'?t be|isn'?t|aren'?t)\s+(?:safe|suitable|a good (?:idea|choice|option)|recommended|advisable)\b|(?:it|this|that|they|these)\s*(?:'s|is|are)\s+best avoided\b|(?:avoid|stay away from)\s+(?:it|them|this|that)\b)/i;
const CLASS_DESCRIPTOR_BEFORE = /\b(?:is|are|was|as)\s+(?:a|an|also a|also an)\s+(?:[a-z-]+\s+){0,2}$/i;
const LIST_JOIN = /^\s*(?:,\s*)?(?:or|and|\/|&|like|such as|e\.?g\.?,?|including)\s*$/i;
/** "non-statin options", "aspirin-sensitive asthma", "NSAID-induced": the name describes something else. */
const ANOTHER_BEFORE = /\b(?:another|a different|different|other|an alternative|a non-\w+)\s+(?:kind of\s+|type of\s+)?$/i;
const DESCRIBES_BEFORE = /\bnon[- ]?$/i;
const DESCRIBES_AFTER = /^-(?:sensitive|sensitivity|induced|allergic|allergy|exacerbated|related|associated|intolerant|intolerance|free|naive|naïve|resistant|dependent)\b/i;

/** Verbs that start a fresh instruction: "avoid ibuprofen and take paracetamol" recommends paracetamol. */
const RESET_VERBS = ['take', 'use', 'try', 'start', 'give', 'switch to', 'opt for', 'choose', 'go with', 'recommend', 'suggest', 'keep taking', 'continue taking', 'carry on taking', 'keep using', 'carry on with', 'continue with', 'stick with'];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(/[A-Za-z0-9]+/g)) {
    tokens.push({ word: m[0].toLowerCase(), start: m.index ?? 0, end: (m.index ?? 0) + m[0].length });
  }
  return tokens;
}

/** Every drug or drug-class name in a text, longest match first, by position only. */
export function namesIn(kb: KnowledgeBase, text: string, chartNames?: ReadonlyMap<string, AgentRef>): { ref: AgentRef; start: number; end: number }[] {
  const tokens = tokenize(text);
  const names: { ref: AgentRef; start: number; end: number }[] = [];
  const chartFirstWords = chartNames ? new Set([...chartNames.keys()].map((name) => name.split(' ', 1)[0])) : undefined;
  for (let i = 0; i < tokens.length; ) {
    // Longest name starting here: grow the phrase one word at a time, keep the last hit.
    let phrase = '';
    let hit: { ref: string; n: number } | undefined;
    for (let n = 1; n <= kb.lexiconMaxWords && i + n <= tokens.length; n++) {
      phrase = n === 1 ? tokens[i].word : `${phrase} ${tokens[i + n - 1].word}`;
      const ref = kb.lexicon.get(phrase);
      if (ref) hit = { ref, n };
      if (!kb.lexiconPrefixes.has(phrase)) break;
    }
    // "My paracetamols": a plural of a drug's name (a class's plural is in its aliases).
    if (!hit && tokens[i].word.length >= 6 && tokens[i].word.endsWith('s')) {
      const singular = kb.lexicon.get(tokens[i].word.slice(0, -1));
      if (singular && !singular.startsWith('class:')) hit = { ref: singular, n: 1 };
    }
    // A brand the knowledge base lacks but this patient's chart names beside its drug ("Endone (oxycodone)"),
    // or an everyday name for one of the patient's own medicines ("my blood pressure pills").
    if (!hit && chartNames) hit = chartNameAt(kb, text, tokens, i, chartNames, chartFirstWords);
    if (!hit) {
      i++;
      continue;
    }
    names.push({ ref: hit.ref, start: tokens[i].start, end: tokens[i + hit.n - 1].end });
    i += hit.n;
  }
  return names;
}

/** Finds every drug or drug-class name in a message, longest match first, with how it is meant. */
export function extractMentions(kb: KnowledgeBase, message: ChatMessage, chartNames?: ReadonlyMap<string, AgentRef>): DrugMention[] {
  const mentions: DrugMention[] = [];
  for (const { ref, start, end } of namesIn(kb, message.text, chartNames)) {
    const previous = mentions.at(-1);
    const previousEnd = previous?.end ?? 0;
    // "given clarithromycin or erythromycin": a list joined by or/and shares a report's stance.
    const listed = previous?.stance === 'reported' && LIST_JOIN.test(message.text.slice(previousEnd, start));
    // "Codeine is a mild opioid": a class named to describe a drug is not a class recommended.
    const describes = ref.startsWith('class:') && CLASS_DESCRIPTOR_BEFORE.test(message.text.slice(Math.max(previousEnd, start - 30), start));
    const modifier = DESCRIBES_BEFORE.test(message.text.slice(Math.max(0, start - 4), start)) || DESCRIBES_AFTER.test(message.text.slice(end, end + 16));
    const stance = listed || describes || modifier ? 'reported' : stanceOf(kb, message.text, start, end, previousEnd);
    const anotherOfClass = ref.startsWith('class:') && ANOTHER_BEFORE.test(message.text.slice(Math.max(0, start - 20), start));
    mentions.push({ ref, surface: message.text.slice(start, end), start, end, message: message.reference, speaker: message.speaker, stance, ...(anotherOfClass ? { anotherOfClass } : {}) });
  }
  return mentions;
}

/** "Your sleeping tablets" is the patient's own medicine; "the normal range for sleeping tablets" is any. */
const OWNER_BEFORE = /\b(?:my|your|his|her|their|our|dad'?s|mum'?s|mom'?s)\s+(?:usual\s+|regular\s+|own\s+|prescribed\s+|new\s+)?$/i;

/** The longest chart name starting at token `i`: a single word, or a phrase of up to six words. */
function chartNameAt(kb: KnowledgeBase, text: string, tokens: Token[], i: number, names: ReadonlyMap<string, AgentRef>, firstWords?: ReadonlySet<string>): { ref: string; n: number } | undefined {
  if (!firstWords?.has(tokens[i].word)) return undefined;
  let hit: { ref: string; n: number } | undefined;
  let phrase = '';
  for (let n = 1; n <= 6 && i + n <= tokens.length; n++) {
    phrase = n === 1 ? tokens[i].word : `${phrase} ${tokens[i + n - 1].word}`;
    const ref = names.get(phrase);
    if (!ref) continue;
    if (kb.ownMedicineDescriptors.has(phrase) && !OWNER_BEFORE.test(text.slice(Math.max(0, tokens[i].start - 30), tokens[i].start))) continue;
    hit = { ref, n };
  }
  return hit;
}

function stanceOf(kb: KnowledgeBase, text: string, start: number, end: number, previousEnd: number): Stance {
  const { before, after } = clauseAround(text, start, end);
  const head = ` ${normalizeTerm(before)} `;
  // "Do not take X or Y" warns against both; "allergic to X, Y is fine" reports only X.
  const ownHead = ` ${normalizeTerm(before.slice(Math.max(0, before.length - (start - previousEnd))))} `;
  const tail = ` ${normalizeTerm(after).split(' ').slice(0, 12).join(' ')} `;
  const lastCue = (cues: string[]) => cueIndex(cues).lastEnd(head);
  const warnAt = lastCue(kb.cues.warnBefore);
  const ownCue = (cues: string[]) => {
    const at = cueIndex(cues).lastEnd(ownHead);
    return at < 0 ? -1 : head.length - ownHead.length + at;
  };
  const reportAt = Math.max(ownCue(kb.cues.reportBefore), lastCue(kb.cues.explainBefore));
  const hypotheticalAt = ownCue(kb.cues.hypotheticalBefore);
  const resetAt = lastCue(RESET_VERBS);
  const strongest = Math.max(warnAt, reportAt, hypotheticalAt);
  // A fresh instruction after the cue ("avoid X and take Y") wins for what follows it.
  if (strongest >= 0 && resetAt <= strongest) {
    if (strongest === warnAt) return 'warned';
    if (strongest === reportAt) return 'reported';
    return 'hypothetical';
  }
  const nearTail = ` ${tail.trim().split(' ').slice(0, 6).join(' ')} `;
  if (kb.cues.reportAfter.some((cue) => nearTail.includes(` ${cue} `))) return 'reported';
  if (kb.cues.warnAfter.some((cue) => tail.includes(` ${cue} `))) return 'warned';
  if (warnsInNextSentence(text, end)) return 'warned';
  return 'recommended';
}

function warnsInNextSentence(text: string, end: number): boolean {
  const rest = text.slice(end);
  const boundary = /[.!?](\s|$)/.exec(rest);
  if (!boundary) return false;
  const afterBoundary = rest.slice(boundary.index + boundary[0].length);
  const next = afterBoundary.split(/[.!?](?:\s|$)/)[0] ?? '';
  // The negative sentence must not name another drug first: then "it" means that drug.
  return PRONOUN_WARNING.test(next);
}

/** Cue phrases grouped by first word, so a clause is scanned once instead of once per cue. */
class CueIndex {
  private readonly byFirstWord = new Map<string, string[]>();
  constructor(cues: string[]) {
    for (const cue of cues) {
      const first = cue.split(' ', 1)[0];
      this.byFirstWord.set(first, [...(this.byFirstWord.get(first) ?? []), ` ${cue} `]);
    }
  }
  /** Index just past the last whole-word occurrence of any cue in `haystack` (space padded), or -1. */
  lastEnd(haystack: string): number {
    let best = -1;
    for (let at = haystack.indexOf(' '); at >= 0 && at < haystack.length - 1; at = haystack.indexOf(' ', at + 1)) {
      const wordEnd = haystack.indexOf(' ', at + 1);
      const candidates = this.byFirstWord.get(haystack.slice(at + 1, wordEnd < 0 ? undefined : wordEnd));
      if (!candidates) continue;
      for (const cue of candidates) {
        if (haystack.startsWith(cue, at) && at + cue.length - 1 > best) best = at + cue.length - 1;
      }
    }
    return best;
  }
}

/** One index per cue list of the loaded knowledge base; the lists are fixed data. */
const CUE_INDEXES = new WeakMap<string[], CueIndex>();
function cueIndex(cues: string[]): CueIndex {
  let index = CUE_INDEXES.get(cues);
  if (!index) {
    index = new CueIndex(cues);
    CUE_INDEXES.set(cues, index);
  }
  return index;
}

function clauseAround(text: string, start: number, end: number): { before: string; after: string } {
  let clauseStart = 0;
  let clauseEnd = text.length;
  for (const m of text.matchAll(CLAUSE_BREAK)) {
    const at = m.index ?? 0;
    if (at + m[0].length <= start) clauseStart = at + m[0].length;
    else if (at >= end) {
      clauseEnd = at;
      break;
    }
  }
  return { before: text.slice(clauseStart, start), after: text.slice(end, clauseEnd) };
}
