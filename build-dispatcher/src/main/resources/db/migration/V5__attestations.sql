-- What the assembler attached beside a build's images (provenance, SBOMs, signatures) and the warnings
-- of a best-effort build, from its INDEX_PUSHED outcome (docs/supply-chain.md).
ALTER TABLE builds ADD COLUMN attestations_json text;
ALTER TABLE builds ADD COLUMN warnings_json text;
