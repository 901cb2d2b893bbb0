import type { Embedder } from '../knowledge/embedder';

/**
 * Remote embedders implement the knowledge layer's Embedder port unchanged, so the guideline index
 * can take an offline, Ollama or Gemini embedder alike.
 */
export type EmbeddingProvider = Embedder;

/** Scales a vector to unit length, so cosine similarity is a dot product whatever the model returns. */
export function l2Normalize(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm > 0 ? vector.map((v) => v / norm) : vector;
}

/** Vectors go into a fixed-width column: a model answering in another width is a configuration error. */
export function checkedVectors(embedder: string, dimension: number, expected: number, vectors: number[][] | undefined): number[][] {
  if (!vectors || vectors.length !== expected) {
    throw new Error(`${embedder}: expected ${expected} embeddings, got ${vectors?.length ?? 'none'}`);
  }
  for (const v of vectors) {
    if (!Array.isArray(v) || v.length !== dimension) {
      throw new Error(`${embedder}: expected vectors of dimension ${dimension}, got ${Array.isArray(v) ? v.length : typeof v}`);
    }
  }
  return vectors.map(l2Normalize);
}
