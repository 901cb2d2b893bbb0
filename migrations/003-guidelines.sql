CREATE EXTENSION IF NOT EXISTS vector;

-- Guideline documents and their chunks (one per heading) for retrieval-augmented explanations.
CREATE TABLE guideline_documents (
  id           text        PRIMARY KEY,
  title        text        NOT NULL,
  issuer       text        NOT NULL,
  url          text        NOT NULL,
  published    text,
  topics       text[]      NOT NULL,
  categories   text[]      NOT NULL,
  content_hash text        NOT NULL,
  embedder     text        NOT NULL,
  ingested_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE guideline_chunks (
  id          text    PRIMARY KEY,
  document_id text    NOT NULL REFERENCES guideline_documents (id) ON DELETE CASCADE,
  ordinal     integer NOT NULL,
  section     text    NOT NULL,
  content     text    NOT NULL,
  categories  text[]  NOT NULL,
  embedding   vector(256) NOT NULL,
  tsv         tsvector NOT NULL
);
CREATE INDEX guideline_chunks_embedding_idx ON guideline_chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX guideline_chunks_tsv_idx ON guideline_chunks USING gin (tsv);
CREATE INDEX guideline_chunks_categories_idx ON guideline_chunks USING gin (categories);
