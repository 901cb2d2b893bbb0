/** The embedding port: text → unit vectors of a fixed dimension. */
export interface Embedder {
  /** Stable name recorded with stored vectors, so switching embedder re-embeds. */
  readonly name: string;
  readonly dimension: number;
  embed(texts: string[]): Promise<number[][]>;
}
