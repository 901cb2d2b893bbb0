-- The vector width follows the configured embedder (offline 256, nomic-embed-text / text-embedding-004 768).
-- Switching embedder re-embeds every document at the next ingestion (documents record their embedder).
-- Retrieval scans the few hundred chunks exactly, so no approximate index is needed (an HNSW index
-- with a category filter also returned fewer rows than asked for).
DROP INDEX IF EXISTS guideline_chunks_embedding_idx;
ALTER TABLE guideline_chunks ALTER COLUMN embedding TYPE vector;
