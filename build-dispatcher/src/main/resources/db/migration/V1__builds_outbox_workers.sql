-- A build: one request for several platforms, pinned to one commit.
CREATE TABLE builds (
    id              uuid PRIMARY KEY,
    state           varchar(16)  NOT NULL,
    attempt         integer      NOT NULL,
    git_url         text         NOT NULL,
    git_ref         text         NOT NULL,
    commit_sha      varchar(64)  NOT NULL,
    repository      text         NOT NULL,
    tag             text         NOT NULL,
    -- the normalised request, as the workers will see it (no credentials ever reach it)
    request_json    text         NOT NULL,
    -- where the request came from: 'api', 'kafka:<topic>-<partition>@<offset>', 'gitlab:...'; unique so a redelivered submission makes no second build
    submission_key  text         UNIQUE,
    index_digest    text,
    index_media_type text,
    error_code      varchar(40),
    error_message   text,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL,
    finished_at     timestamptz,
    version         bigint       NOT NULL
);
CREATE INDEX builds_state_created ON builds (state, created_at DESC);
CREATE INDEX builds_created ON builds (created_at DESC);

-- One row per platform of a build: the read model of the worker's results.
CREATE TABLE build_platforms (
    build_id        uuid         NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
    platform        varchar(32)  NOT NULL,
    state           varchar(16)  NOT NULL,
    attempt         integer      NOT NULL,
    arch_tag        text         NOT NULL,
    worker_id       text,
    emulated        boolean      NOT NULL DEFAULT false,
    digest          text,
    media_type      text,
    size_bytes      bigint,
    error_code      varchar(40),
    error_message   text,
    log_tail        text,
    started_at      timestamptz,
    finished_at     timestamptz,
    PRIMARY KEY (build_id, platform)
);

-- Transactional outbox: rows written in the build's transaction, relayed to Kafka by OutboxRelay.
CREATE TABLE outbox (
    id              bigserial    PRIMARY KEY,
    topic           text         NOT NULL,
    record_key      text         NOT NULL,
    record_type     varchar(40)  NOT NULL,
    payload         text         NOT NULL,
    created_at      timestamptz  NOT NULL,
    sent_at         timestamptz,
    -- a relay that claimed the row publishes it until then; after that another relay may
    claimed_until   timestamptz,
    attempts        integer      NOT NULL DEFAULT 0,
    last_error      text
);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Workers as their heartbeats describe them.
CREATE TABLE workers (
    worker_id        text         PRIMARY KEY,
    platform         varchar(32)  NOT NULL,
    emulated         boolean      NOT NULL,
    version          text         NOT NULL,
    executor         text         NOT NULL,
    capacity         integer      NOT NULL,
    in_flight        integer      NOT NULL,
    interval_seconds integer      NOT NULL,
    last_seen        timestamptz  NOT NULL
);
