-- A build's source is a git commit or a build context the CLI pushed (a bundle): the git columns are
-- empty for a bundle.
ALTER TABLE assemblies ALTER COLUMN source_git DROP NOT NULL;
ALTER TABLE assemblies ALTER COLUMN source_commit DROP NOT NULL;
ALTER TABLE assemblies ADD COLUMN source_bundle text;
