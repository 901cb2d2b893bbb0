import pgvector from 'pgvector';
import type { RiskCategory } from '../clinical/types';
import type { Database } from '../store/database';
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

export type SearchMode = 'hybrid' | 'vector' | 'text';

export interface SearchOptions {
  category?: RiskCategory;
  /** How many passages, each from a different document. */
  limit?: number;
  /** Which rankings to use: both fused (the default), or one alone (for evaluation and diagnosis). */
  mode?: SearchMode;
}

export interface IngestReport {
  added: string[];
  updated: string[];
  unchanged: number;
  removed: string[];
}

/** Reciprocal-rank fusion constant (the customary 60): how much first place outweighs tenth. */
const RRF_K = 60;
/** Chunks each ranking returns before they are grouped into documents: some twenty documents' worth. */
const CHUNK_CANDIDATES = 100;
/**
 * ts_rank weights for D (passage text), C, B, A (title, section and topics). The curated title and
 * topics say what a guideline is about; passage text counts at B's 0.4 rather than the default 0.1,
 * so a word the query shares only with the body (a symptom, a condition) still moves the ranking.
 */
const TEXT_WEIGHTS = '{0.4, 0.2, 0.4, 1.0}';
/**
 * Bumped whenever what `store` writes changes (chunk text, field weights, tsvector recipe), so that
 * ingest re-indexes documents whose content and embedder did not change.
 */
const INDEX_FORMAT = 'index-v2';

interface Ranked {
  id: string;
  document_id: string;
  /** Higher is better; comparable only within one ranking. */
  score: number;
}

/** Guideline passages in PostgreSQL: vectors (pgvector) and full text (tsvector), searched together. */
export class GuidelineIndex {
  constructor(
    private readonly db: Database,
    private readonly embedder: Embedder,
  ) {}

  /** What a stored document records as having indexed it: the embedder and this index's format. */
  private get indexedBy(): string {
    return `${this.embedder.name}/${INDEX_FORMAT}`;
  }

  /** Stores new and changed documents (by content hash, embedder and index format), removes deleted ones. */
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
      if (current && current.content_hash === doc.contentHash && current.embedder === this.indexedBy) {
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

  /**
   * The best passage of each of the most relevant documents, within the category if any match there.
   * Hybrid (the default) fuses the vector and the full-text rankings of documents by reciprocal rank.
   */
  async search(query: string, options: SearchOptions = {}): Promise<Passage[]> {
    const limit = options.limit ?? 3;
    const mode = options.mode ?? 'hybrid';
    if (options.category) {
      const within = await this.rank(query, options.category, limit, mode);
      if (within.length > 0) return within;
    }
    return this.rank(query, undefined, limit, mode);
  }

  private async rank(query: string, category: RiskCategory | undefined, limit: number, mode: SearchMode): Promise<Passage[]> {
    const lists: Ranked[][] = [];
    if (mode !== 'text') lists.push(await this.byVector(query, category));
    if (mode !== 'vector') lists.push(await this.byText(query, category));

    const { documents, bestChunk } = fuseByDocument(lists);
    const top = documents.slice(0, limit);
    if (top.length === 0) return [];

    const rows = await this.db.query<{ id: string; document_id: string; title: string; issuer: string; url: string; section: string; content: string }>(
      `SELECT c.id, c.document_id, d.title, d.issuer, d.url, c.section, c.content
       FROM guideline_chunks c JOIN guideline_documents d ON d.id = c.document_id WHERE c.id = ANY($1::text[])`,
      [top.map((d) => bestChunk.get(d.documentId))],
    );
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    return top.flatMap(({ documentId, score }) => {
      const r = byId.get(bestChunk.get(documentId) ?? '');
      return r ? [{ chunkId: r.id, documentId: r.document_id, title: r.title, issuer: r.issuer, url: r.url, section: r.section, content: r.content, score }] : [];
    });
  }

  /**
   * Chunks nearest the query by cosine distance. Exact on purpose: a guideline library is hundreds of
   * chunks, where a scan costs less than the HNSW index, and an HNSW scan with a category filter
   * silently returns fewer rows than asked for (it filters after taking ef_search candidates).
   */
  private async byVector(query: string, category: RiskCategory | undefined): Promise<Ranked[]> {
    const [vector] = await this.embedder.embed([query]);
    const filter = category ? 'AND c.categories @> ARRAY[$2]::text[]' : '';
    const { rows } = await this.db.query<Ranked>(
      `SELECT c.id, c.document_id, 1 - (c.embedding <=> $1::vector) AS score FROM guideline_chunks c WHERE true ${filter}
       ORDER BY (c.embedding <=> $1::vector) + 0, c.id LIMIT ${CHUNK_CANDIDATES}`,
      category ? [pgvector.toSql(vector), category] : [pgvector.toSql(vector)],
    );
    return rows;
  }

  /**
   * Chunks ranked by the query's words, each word weighted by how rare it is among all chunks
   * (BM25's inverse document frequency, which ts_rank lacks), and by where it matches: title,
   * section and topics count more than passage text. A passage needs some of the words, not all;
   * words most passages share ("patient", "chatbot") therefore count for next to nothing.
   */
  private async byText(query: string, category: RiskCategory | undefined): Promise<Ranked[]> {
    const filter = category ? 'AND c.categories @> ARRAY[$2]::text[]' : '';
    const { rows } = await this.db.query<Ranked>(
      `WITH term AS (
         SELECT DISTINCT plainto_tsquery('simple', lexeme) AS q FROM unnest(to_tsvector('english', $1))
       ), weighted AS (
         SELECT t.q, ln(1 + (n.chunks - count(c.id) + 0.5) / (count(c.id) + 0.5)) AS idf
         FROM term t CROSS JOIN (SELECT count(*)::float8 AS chunks FROM guideline_chunks) n
           LEFT JOIN guideline_chunks c ON c.tsv @@ t.q
         GROUP BY t.q, n.chunks HAVING count(c.id) > 0
       )
       SELECT c.id, c.document_id, sum(w.idf * ts_rank('${TEXT_WEIGHTS}', c.tsv, w.q)) AS score
       FROM guideline_chunks c JOIN weighted w ON c.tsv @@ w.q
       WHERE true ${filter}
       GROUP BY c.id, c.document_id
       ORDER BY score DESC, c.id LIMIT ${CHUNK_CANDIDATES}`,
      category ? [query, category] : [query],
    );
    return rows;
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
        [doc.id, doc.title, doc.issuer, doc.url, doc.date, doc.topics, doc.categories, doc.contentHash, this.indexedBy],
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

/**
 * Reciprocal-rank fusion of documents, not chunks: several sections of one guideline must not crowd
 * the next guideline out of a short list. In each ranking a document takes the rank of its best
 * chunk; equal fused scores (first in one ranking and second in the other, or the reverse) go to
 * the document whose own scores are higher relative to each ranking's best. A document is cited by
 * its chunk with the best fused chunk rank.
 */
function fuseByDocument(lists: Ranked[][]): { documents: { documentId: string; score: number }[]; bestChunk: Map<string, string> } {
  const fused = new Map<string, { score: number; relative: number }>();
  const chunks = new Map<string, { documentId: string; score: number }>();
  for (const list of lists) {
    const best = list[0]?.score ?? 0;
    const seen = new Set<string>();
    list.forEach((row, chunkRank) => {
      const chunk = chunks.get(row.id) ?? { documentId: row.document_id, score: 0 };
      chunk.score += 1 / (RRF_K + chunkRank + 1);
      chunks.set(row.id, chunk);
      if (seen.has(row.document_id)) return;
      seen.add(row.document_id);
      const doc = fused.get(row.document_id) ?? { score: 0, relative: 0 };
      doc.score += 1 / (RRF_K + seen.size);
      doc.relative += best > 0 ? row.score / best : 0;
      fused.set(row.document_id, doc);
    });
  }
  const bestChunk = new Map<string, { id: string; score: number }>();
  for (const [id, { documentId, score }] of chunks) {
    const current = bestChunk.get(documentId);
    if (!current || score > current.score || (score === current.score && id < current.id)) bestChunk.set(documentId, { id, score });
  }
  const documents = [...fused.entries()]
    .sort(([a, x], [b, y]) => y.score - x.score || y.relative - x.relative || a.localeCompare(b))
    .map(([documentId, { score }]) => ({ documentId, score }));
  return { documents, bestChunk: new Map([...bestChunk].map(([documentId, { id }]) => [documentId, id])) };
}
