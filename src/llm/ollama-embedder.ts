import { checkedVectors, type EmbeddingProvider } from './embedding-provider';
import { embeddingCall, type EmbeddingCallOptions } from './embedding-call';
import { ollamaClient, ollamaError } from './ollama-provider';

export interface OllamaEmbedderOptions extends EmbeddingCallOptions {
  host: string;
  /** Default `nomic-embed-text`. */
  model?: string;
  /** Default 768, nomic-embed-text's width. */
  dimension?: number;
}

/** Inputs per /api/embed call: bounds request size and the time one batch can take. */
const BATCH = 64;

export class OllamaEmbedder implements EmbeddingProvider {
  readonly name: string;
  readonly dimension: number;
  private readonly model: string;

  constructor(private readonly options: OllamaEmbedderOptions) {
    this.model = options.model ?? 'nomic-embed-text';
    this.dimension = options.dimension ?? 768;
    // The model is in the name so vectors stored under another model are re-embedded, not mixed.
    this.name = `ollama-${this.model}-${this.dimension}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      const batch = texts.slice(i, i + BATCH);
      const response = await embeddingCall('ollama', this.options, ollamaError, (signal) =>
        ollamaClient(this.options.host, signal).embed({ model: this.model, input: batch }),
      );
      // Ollama's vectors are not guaranteed unit length; the index compares by cosine/inner product.
      out.push(...checkedVectors(this.name, this.dimension, batch.length, response.embeddings));
    }
    return out;
  }
}
