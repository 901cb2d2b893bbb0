import crypto from 'node:crypto';
import { normalizeTerm, type KnowledgeBase } from './knowledge-base';
import type { Embedder } from './embedder';

const STOP_WORDS = new Set(
  'a an and are as at be but by can could do does for from has have how i if in into is it its may me my no not of on or our should so such than that the their them then there these they this to was we were what when which while who will with would you your'.split(' '),
);

/** Plurals and forms Porter's rules do not reach, mapped to the form the rules do. */
const IRREGULAR: Record<string, string> = { children: 'child', women: 'woman', men: 'man', feet: 'foot', teeth: 'tooth', mice: 'mouse', lice: 'louse' };

/**
 * Weight of a word pair ("blood thinner", "chest pain") against a single stem. Pairs double the
 * features of a passage, and in 256 buckets (the width of the guideline_chunks column) their
 * collisions cost more than they tell apart unless they are kept light.
 */
const PAIR_WEIGHT = 0.3;

/**
 * Deterministic, offline embeddings by feature hashing: every word stem, and more lightly every
 * pair of neighbouring stems, is hashed into one of `dimension` buckets with a signed weight.
 * Drug names are first mapped to their generic name and classes, so "Advil" and "ibuprofen" land
 * near each other. No model, no network.
 */
export class OfflineEmbedder implements Embedder {
  readonly name: string;

  constructor(
    private readonly kb: KnowledgeBase,
    readonly dimension = 256,
  ) {
    // The version changes whenever the features do: stored vectors from another version are re-embedded.
    this.name = `offline-hash-v2-${dimension}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  private embedOne(text: string): number[] {
    const stems = this.expand(tokenize(text)).map(stem);
    const counts = new Map<string, { tf: number; weight: number }>();
    const count = (feature: string, weight: number) => {
      const entry = counts.get(feature) ?? { tf: 0, weight };
      entry.tf++;
      counts.set(feature, entry);
    };
    stems.forEach((s, i) => {
      count(s, 1);
      if (i + 1 < stems.length) count(`${s} ${stems[i + 1]}`, PAIR_WEIGHT);
    });
    const vector = new Array<number>(this.dimension).fill(0);
    for (const [feature, { tf, weight }] of counts) {
      const digest = crypto.createHash('md5').update(feature).digest();
      const bucket = digest.readUInt32LE(0) % this.dimension;
      // Sublinear term frequency: a word repeated through a long passage should not drown the rest.
      const value = weight * (1 + Math.log((1 + tf) / 2));
      vector[bucket] += digest[4] & 1 ? value : -value;
    }
    const norm = Math.hypot(...vector) || 1;
    return vector.map((v) => v / norm);
  }

  /** Adds each drug's generic id and classes after any name of it, joining brand and generic vocabularies. */
  private expand(words: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < words.length; i++) {
      out.push(words[i]);
      for (let n = Math.min(3, words.length - i); n >= 1; n--) {
        const ref = this.kb.lexicon.get(words.slice(i, i + n).join(' '));
        if (!ref) continue;
        if (ref.startsWith('class:')) out.push(ref.slice(6));
        else out.push(ref, ...(this.kb.drugs.get(ref)?.classes ?? []));
        break;
      }
    }
    return out;
  }
}

/** Lower-case words without stop words or stray single letters (the "t" of "can't"). */
export function tokenize(text: string): string[] {
  return normalizeTerm(text)
    .split(' ')
    .filter((w) => w && !STOP_WORDS.has(w) && (w.length > 1 || /\d/.test(w)));
}

/**
 * Porter's stemmer (1980), so "pregnancy"/"pregnant", "prolonging"/"prolongation" and
 * "allergies"/"allergy" share a feature. Hyphenated knowledge-base ids pass through unchanged.
 */
export function stem(word: string): string {
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  if (word.length <= 2 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  w = step1a(w);
  w = step1b(w);
  if (/y$/.test(w) && hasVowel(w.slice(0, -1))) w = `${w.slice(0, -1)}i`;
  w = replaceSuffix(w, STEP2, 0);
  w = replaceSuffix(w, STEP3, 0);
  w = step4(w);
  if (w.endsWith('e')) {
    const base = w.slice(0, -1);
    const m = measure(base);
    if (m > 1 || (m === 1 && !endsCvc(base))) w = base;
  }
  if (measure(w) > 1 && /ll$/.test(w)) w = w.slice(0, -1);
  return w;
}

const STEP2: [string, string][] = [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['bli', 'ble'],
  ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'], ['ation', 'ate'],
  ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'], ['aliti', 'al'],
  ['iviti', 'ive'], ['biliti', 'ble'], ['logi', 'log'],
];
const STEP3: [string, string][] = [['icate', 'ic'], ['ative', ''], ['alize', 'al'], ['iciti', 'ic'], ['ical', 'ic'], ['ful', ''], ['ness', '']];
const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ion', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize'];

function isConsonant(w: string, i: number): boolean {
  const c = w[i];
  if ('aeiou'.includes(c)) return false;
  if (c === 'y') return i === 0 || !isConsonant(w, i - 1);
  return true;
}

/** Porter's m: the number of vowel-consonant sequences in the word. */
function measure(w: string): number {
  let m = 0;
  let i = 0;
  while (i < w.length && isConsonant(w, i)) i++;
  while (i < w.length) {
    while (i < w.length && !isConsonant(w, i)) i++;
    if (i >= w.length) break;
    m++;
    while (i < w.length && isConsonant(w, i)) i++;
  }
  return m;
}

function hasVowel(w: string): boolean {
  for (let i = 0; i < w.length; i++) if (!isConsonant(w, i)) return true;
  return false;
}

/** Consonant-vowel-consonant at the end, the last not w, x or y ("hop", not "how"). */
function endsCvc(w: string): boolean {
  const n = w.length;
  return n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1) && !'wxy'.includes(w[n - 1]);
}

function endsDoubleConsonant(w: string): boolean {
  const n = w.length;
  return n >= 2 && w[n - 1] === w[n - 2] && isConsonant(w, n - 1);
}

function step1a(w: string): string {
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (w.endsWith('ies')) return w.slice(0, -2);
  if (w.endsWith('ss')) return w;
  if (w.endsWith('s')) return w.slice(0, -1);
  return w;
}

function step1b(w: string): string {
  if (w.endsWith('eed')) return measure(w.slice(0, -3)) > 0 ? w.slice(0, -1) : w;
  const suffix = w.endsWith('ed') ? 'ed' : w.endsWith('ing') ? 'ing' : undefined;
  if (!suffix) return w;
  const base = w.slice(0, -suffix.length);
  if (!hasVowel(base)) return w;
  if (/(at|bl|iz)$/.test(base)) return `${base}e`;
  if (endsDoubleConsonant(base) && !/[lsz]$/.test(base)) return base.slice(0, -1);
  if (measure(base) === 1 && endsCvc(base)) return `${base}e`;
  return base;
}

function replaceSuffix(w: string, rules: [string, string][], minMeasure: number): string {
  for (const [suffix, replacement] of rules) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, -suffix.length);
    return measure(base) > minMeasure ? base + replacement : w;
  }
  return w;
}

function step4(w: string): string {
  for (const suffix of STEP4) {
    if (!w.endsWith(suffix)) continue;
    const base = w.slice(0, -suffix.length);
    if (measure(base) <= 1) return w;
    if (suffix === 'ion' && !/[st]$/.test(base)) return w;
    return base;
  }
  return w;
}

