-- The join state of one build: what it expects, and what it did about it.
CREATE TABLE assemblies (
    build_id             text         PRIMARY KEY,
    attempt              integer      NOT NULL,
    -- expected platforms, OCI names, sorted, comma-separated (carried by every result)
    platforms            text         NOT NULL,
    repository           text         NOT NULL,
    index_tags           text         NOT NULL,
    source_git           text         NOT NULL,
    source_commit        text         NOT NULL,
    allow_partial        boolean      NOT NULL,
    requested_at         timestamptz  NOT NULL,
    deadline             timestamptz  NOT NULL,
    -- COLLECTING -> READY -> PUSHED, or FAILED; a later attempt's result reopens a FAILED build
    state                varchar(16)  NOT NULL,
    claimed_until        timestamptz,
    index_digest         text,
    index_media_type     text,
    outcome_json         text,
    outcome_published_at timestamptz,
    last_result_at       timestamptz,
    created_at           timestamptz  NOT NULL,
    updated_at           timestamptz  NOT NULL
);
CREATE INDEX assemblies_open ON assemblies (state, deadline) WHERE state IN ('COLLECTING', 'READY');
CREATE INDEX assemblies_unpublished ON assemblies (build_id) WHERE outcome_json IS NOT NULL AND outcome_published_at IS NULL;

-- The latest result of each platform of a build.
CREATE TABLE assembly_results (
    build_id      text         NOT NULL REFERENCES assemblies (build_id) ON DELETE CASCADE,
    platform      varchar(32)  NOT NULL,
    attempt       integer      NOT NULL,
    state         varchar(16)  NOT NULL,
    digest        text,
    media_type    text,
    size_bytes    bigint,
    emulated      boolean      NOT NULL DEFAULT false,
    worker_id     text,
    error_code    varchar(40),
    error_message text,
    updated_at    timestamptz  NOT NULL,
    PRIMARY KEY (build_id, platform)
);
