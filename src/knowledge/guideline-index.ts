import pgvector from 'pgvector';
import type { RiskCategory } from '../clinical/types';
import type { Database } from '../store/database';
import { normalizeTerm } from './knowledge-base';
import type { Embedder } from './embedder';
import type { GuidelineDocument } from './guideline-documents';

export interface Passage {
  chunkId: string;
  documentId: string;
  title: string;
  issuer: string;
  url: string;
  section: string;
  content: string;
  score: number;
}

export interface IngestReport {
  added: string[];
  updated: string[];
  unchanged: number;
  removed: string[];
}

const RRF_K = 60;
const CANDIDATES = 20;

/** Guideline passages in PostgreSQL: vectors (pgvector, HNSW) and full text (tsvector), searched together. */
export class GuidelineIndex {
  constructor(
    private readonly db: Database,
    private readonly embedder: Embedder,
  ) {}

  /** Stores new and changed documents (by content hash and embedder), removes deleted ones. */
  async ingest(documents: GuidelineDocument[], onProgress?: (done: number, total: number) => void): Promise<IngestReport> {
    const existing = new Map(
      (await this.db.query<{ id: string; content_hash: string; embedder: string }>('SELECT id, content_hash, embedder FROM guideline_documents')).rows.map(
        (r) => [r.id, r],
      ),
    );
    const report: IngestReport = { added: [], updated: [], unchanged: 0, removed: [] };
    for (const [index, doc] of documents.entries()) {
      const current = existing.get(doc.id);
      existing.delete(doc.id);
      if (current && current.content_hash === doc.contentHash && current.embedder === this.embedder.name) {
        report.unchanged++;
      } else {
        await this.store(doc);
        (current ? report.updated : report.added).push(doc.id);
      }
      onProgress?.(index + 1, documents.length);
    }
    for (const id of existing.keys()) {
      await this.db.query('DELETE FROM guideline_documents WHERE id = $1', [id]);
      report.removed.push(id);
    }
    return report;
  }

  /** Hybrid search: vector and full-text rankings fused by reciprocal rank, within the category if any match there. */
  async search(query: string, options: { category?: RiskCategory; limit?: number } = {}): Promise<Passage[]> {
    const limit = options.limit ?? 3;
    if (options.category) {
      const within = await this.rank(query, options.category, limit);
      if (within.length > 0) return within;
    }
    return this.rank(query, undefined, limit);
  }

  private async rank(query: string, category: RiskCategory | undefined, limit: number): Promise<Passage[]> {
    const [vector] = await this.embedder.embed([query]);
    const filter = category ? 'AND c.categories @> ARRAY[$2]::text[]' : '';
    const params = (first: unknown) => (category ? [first, category] : [first]);
    const byVector = await this.db.query<{ id: string }>(
      `SELECT c.id FROM guideline_chunks c WHERE true ${filter} ORDER BY c.embedding <=> $1::vector LIMIT ${CANDIDATES}`,
      params(pgvector.toSql(vector)),
    );
    const terms = toTsQuery(query);
    const byText = terms
      ? await this.db.query<{ id: string }>(
          `SELECT c.id FROM guideline_chunks c, to_tsquery('english', $1) q
           WHERE c.tsv @@ q ${filter} ORDER BY ts_rank_cd(c.tsv, q) DESC, c.id LIMIT ${CANDIDATES}`,
          params(terms),
        )
      : { rows: [] };
    const fused = new Map<string, number>();
    for (const list of [byVector.rows, byText.rows]) {
      list.forEach((row, rank) => fused.set(row.id, (fused.get(row.id) ?? 0) + 1 / (RRF_K + rank + 1)));
    }
    const top = [...fused.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit);
    if (top.length === 0) return [];
    const rows = await this.db.query<{ id: string; document_id: string; title: string; issuer: string; url: string; section: string; content: string }>(
      `SELECT c.id, c.document_id, d.title, d.issuer, d.url, c.section, c.content
       FROM guideline_chunks c JOIN guideline_documents d ON d.id = c.document_id WHERE c.id = ANY($1::text[])`,
      [top.map(([id]) => id)],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    return top.flatMap(([id, score]) => {
      const r = byId.get(id);
      return r ? [{ chunkId: r.id, documentId: r.document_id, title: r.title, issuer: r.issuer, url: r.url, section: r.section, content: r.content, score }] : [];
    });
  }

  private async store(doc: GuidelineDocument): Promise<void> {
    const texts = doc.chunks.map((c) => `${doc.title}. ${c.section}. ${doc.topics.join(', ')}. ${c.content}`);
    const vectors = await this.embedder.embed(texts);
    await this.db.transaction(async (tx) => {
      // API and workers start together and may ingest the same document: they take turns, and the last write wins.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`guideline:${doc.id}`]);
      await tx.query('DELETE FROM guideline_documents WHERE id = $1', [doc.id]);
      await tx.query(
        `INSERT INTO guideline_documents (id, title, issuer, url, published, topics, categories, content_hash, embedder)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [doc.id, doc.title, doc.issuer, doc.url, doc.date, doc.topics, doc.categories, doc.contentHash, this.embedder.name],
      );
      for (const [i, chunk] of doc.chunks.entries()) {
        await tx.query(
          `INSERT INTO guideline_chunks (id, document_id, ordinal, section, content, categories, embedding, tsv)
           VALUES ($1, $2, $3, $4, $5, $6, $7::vector,
             setweight(to_tsvector('english', $8), 'A') || to_tsvector('english', $9))`,
          [chunk.id, doc.id, chunk.ordinal, chunk.section, chunk.content, doc.categories, pgvector.toSql(vectors[i]), `${doc.title} ${chunk.section} ${doc.topics.join(' ')}`, chunk.content],
        );
      }
    });
  }
}

/** Words of the query OR-ed together, so a passage needs some, not all, of them to match. */
function toTsQuery(query: string): string {
  const words = [...new Set(normalizeTerm(query).split(' ').filter((w) => w.length > 2))];
  return words.slice(0, 30).join(' | ');
}
