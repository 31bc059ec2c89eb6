-- Builds cancelled through the dispatcher (a BuildCancel on the results topic). Kept apart from
-- assemblies because a cancel may arrive before the build's first result; an assembly created
-- later for a cancelled build starts CANCELLED, and a CANCELLED one never pushes an index.
CREATE TABLE cancels (
    build_id      text         PRIMARY KEY,
    attempt       integer      NOT NULL,
    cancelled_at  timestamptz  NOT NULL
);
