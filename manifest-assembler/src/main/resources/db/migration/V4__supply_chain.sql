-- What the provenance of a build says and what is attached beside its images (docs/supply-chain.md):
-- the request's choice of attachments, the request as submitted (credentials masked), the ref;
-- per platform the worker's settings and when the build started and ended.
ALTER TABLE assemblies ADD COLUMN supply_chain_json text;
ALTER TABLE assemblies ADD COLUMN parameters_json text;
ALTER TABLE assemblies ADD COLUMN source_ref text;
ALTER TABLE assembly_results ADD COLUMN builder_json text;
ALTER TABLE assembly_results ADD COLUMN started_at timestamptz;
ALTER TABLE assembly_results ADD COLUMN finished_at timestamptz;
