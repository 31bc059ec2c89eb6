-- A build's source is a git commit or a build context pushed to a registry by the CLI (a bundle,
-- registry/repository@sha256:...): the git columns are empty for a bundle.
ALTER TABLE builds ALTER COLUMN git_url DROP NOT NULL;
ALTER TABLE builds ALTER COLUMN git_ref DROP NOT NULL;
ALTER TABLE builds ALTER COLUMN commit_sha DROP NOT NULL;
ALTER TABLE builds ADD COLUMN bundle text;
ALTER TABLE builds ADD CONSTRAINT builds_one_source CHECK ((bundle IS NULL) = (git_url IS NOT NULL));
