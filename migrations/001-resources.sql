-- FHIR resources as JSONB, with the search columns Vigil needs pulled out and indexed.
-- Communication payload text is not in `content`: it is kept encrypted in `sealed`.
CREATE TABLE resources (
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version_id    integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  content       jsonb       NOT NULL,
  sealed        text,
  patient_id    text,
  status        text,
  PRIMARY KEY (resource_type, id)
);
CREATE INDEX resources_patient_idx ON resources (resource_type, patient_id, last_updated);
CREATE INDEX resources_status_idx ON resources (resource_type, status);
CREATE INDEX resources_updated_idx ON resources (resource_type, last_updated);

-- Business identifiers: a unique (type, system, value) makes POSTs with an identifier idempotent.
CREATE TABLE resource_identifiers (
  resource_type text NOT NULL,
  system        text NOT NULL,
  value         text NOT NULL,
  resource_id   text NOT NULL,
  PRIMARY KEY (resource_type, system, value)
);
CREATE INDEX resource_identifiers_resource_idx ON resource_identifiers (resource_type, resource_id);
