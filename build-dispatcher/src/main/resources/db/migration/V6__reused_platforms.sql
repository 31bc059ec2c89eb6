-- A platform that built nothing because an image of the same build key existed: the worker gave
-- that image this build's tag and labels, and names the build that made it.
ALTER TABLE build_platforms ADD COLUMN reused boolean NOT NULL DEFAULT false;
ALTER TABLE build_platforms ADD COLUMN reused_from text;
