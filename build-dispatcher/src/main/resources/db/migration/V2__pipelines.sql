-- Which repository's pushes build which image: the mapping that webhooks use.
CREATE TABLE pipelines (
    name            varchar(64)  PRIMARY KEY,
    provider        varchar(16)  NOT NULL,
    project         text         NOT NULL,
    definition_json text         NOT NULL,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL
);
CREATE INDEX pipelines_provider_project ON pipelines (provider, project);
