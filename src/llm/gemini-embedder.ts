import { GoogleGenerativeAI, type GenerativeModel } from '@google/generative-ai';
import { checkedVectors, type EmbeddingProvider } from './embedding-provider';
import { embeddingCall, type EmbeddingCallOptions } from './embedding-call';
import { geminiError } from './gemini-provider';

export interface GeminiEmbedderOptions extends EmbeddingCallOptions {
  apiKey: string;
  /** Default `text-embedding-004`. */
  model?: string;
  /** Default 768, text-embedding-004's width. */
  dimension?: number;
  baseUrl?: string;
}

/** batchEmbedContents takes at most 100 requests. */
const BATCH = 100;

export class GeminiEmbedder implements EmbeddingProvider {
  readonly name: string;
  readonly dimension: number;
  private readonly model: GenerativeModel;

  constructor(private readonly options: GeminiEmbedderOptions) {
    const model = options.model ?? 'text-embedding-004';
    this.dimension = options.dimension ?? 768;
    // The model is in the name so vectors stored under another model are re-embedded, not mixed.
    this.name = `gemini-${model}-${this.dimension}`;
    this.model = new GoogleGenerativeAI(options.apiKey).getGenerativeModel({ model }, { baseUrl: options.baseUrl });
  }

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += BATCH) out.push(...(await this.embedBatch(texts.slice(i, i + BATCH))));
    return out;
  }

  private async embedBatch(texts: string[]): Promise<number[][]> {
    const vectors = await embeddingCall('gemini', this.options, geminiError, async (signal) => {
      if (texts.length === 1) {
        const result = await this.model.embedContent({ content: { role: 'user', parts: [{ text: texts[0] }] } }, { signal });
        return [result.embedding?.values];
      }
      const result = await this.model.batchEmbedContents(
        { requests: texts.map((text) => ({ content: { role: 'user', parts: [{ text }] } })) },
        { signal },
      );
      return result.embeddings?.map((e) => e.values);
    });
    return checkedVectors(this.name, this.dimension, texts.length, vectors as number[][] | undefined);
  }
}
