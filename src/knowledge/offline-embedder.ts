import crypto from 'node:crypto';
import { normalizeTerm, type KnowledgeBase } from './knowledge-base';
import type { Embedder } from './embedder';

const STOP_WORDS = new Set(
  'a an and are as at be but by can could do does for from has have how i if in into is it its may me my no not of on or our should so such than that the their them then there these they this to was we were what when which while who will with would you your'.split(' '),
);

/**
 * Deterministic, offline embeddings by feature hashing: every word (and word pair) is hashed into
 * one of `dimension` buckets with a signed weight. Drug names are first mapped to their generic
 * name and classes, so "Advil" and "ibuprofen" land near each other. No model, no network.
 */
export class OfflineEmbedder implements Embedder {
  readonly name: string;

  constructor(
    private readonly kb: KnowledgeBase,
    readonly dimension = 256,
  ) {
    this.name = `offline-hash-v1-${dimension}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embedOne(text));
  }

  private embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimension).fill(0);
    const words = this.expand(normalizeTerm(text).split(' ').filter((w) => w && !STOP_WORDS.has(w)));
    const add = (feature: string, weight: number) => {
      const digest = crypto.createHash('md5').update(feature).digest();
      const bucket = digest.readUInt32LE(0) % this.dimension;
      vector[bucket] += digest[4] & 1 ? weight : -weight;
    };
    for (let i = 0; i < words.length; i++) {
      add(stem(words[i]), 1);
      if (i + 1 < words.length) add(`${stem(words[i])} ${stem(words[i + 1])}`, 0.5);
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

/** A light suffix strip so "allergies"/"allergy" and "bleeding"/"bleed" share a feature. */
function stem(word: string): string {
  return word.replace(/(ies|ing|ed|es|s)$/, (m) => (m === 'ies' ? 'y' : '')).slice(0, 12) || word;
}
