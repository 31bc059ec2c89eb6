-- Where a build reports its commit status, and the last status reported there
-- (pending, running, success, failed, canceled; null before the first).
ALTER TABLE builds ADD COLUMN status_target   varchar(64);
ALTER TABLE builds ADD COLUMN status_project  text;
ALTER TABLE builds ADD COLUMN status_reported varchar(16);
CREATE INDEX builds_status_behind ON builds (updated_at) WHERE status_target IS NOT NULL;
