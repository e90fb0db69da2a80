-- TSA's first schema, SQLite dialect. The PostgreSQL migrations must define
-- the same tables and columns: the queries in internal/store/sqlstore are
-- shared. Conventions: ids are text; times are Unix nanoseconds (BIGINT);
-- lists and free-form objects are JSON text; booleans are 0/1.

CREATE TABLE tenants (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    source_url       TEXT NOT NULL DEFAULT '',
    -- base64 of secret.Box.Seal(JSON object), associated data "tenant-credentials:<id>"
    credentials      TEXT NOT NULL DEFAULT '',
    -- JSON array of the credential names, readable without the key
    credential_names TEXT NOT NULL DEFAULT '[]',
    created_ns       BIGINT NOT NULL
);

CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    admin        INTEGER NOT NULL DEFAULT 0,
    hash         TEXT NOT NULL UNIQUE, -- hex SHA-256 of the plaintext token
    created_ns   BIGINT NOT NULL,
    last_used_ns BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tokens_tenant ON tokens (tenant_id, created_ns);

CREATE TABLE sessions (
    hash       TEXT PRIMARY KEY, -- hex SHA-256 of the session id
    token_id   TEXT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
    created_ns BIGINT NOT NULL,
    expires_ns BIGINT NOT NULL
);
CREATE INDEX sessions_token ON sessions (token_id);
CREATE INDEX sessions_expiry ON sessions (expires_ns);

CREATE TABLE tenant_keywords (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    keyword   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, keyword)
);

CREATE TABLE recordings (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    keywords   TEXT NOT NULL, -- JSON array
    start_ns   BIGINT NOT NULL,
    end_ns     BIGINT NOT NULL,
    status     TEXT NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE INDEX recordings_tenant ON recordings (tenant_id, start_ns);
CREATE INDEX recordings_status ON recordings (status, start_ns);

CREATE TABLE recorded_windows (
    recording_id TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    keyword      TEXT NOT NULL,
    start_ns     BIGINT NOT NULL,
    end_ns       BIGINT NOT NULL,
    posts        BIGINT NOT NULL,
    scored       BIGINT NOT NULL,
    mean         DOUBLE PRECISION NOT NULL,
    variance     DOUBLE PRECISION NOT NULL,
    stddev       DOUBLE PRECISION NOT NULL,
    q25          DOUBLE PRECISION NOT NULL,
    median       DOUBLE PRECISION NOT NULL,
    q75          DOUBLE PRECISION NOT NULL,
    polarity_min DOUBLE PRECISION NOT NULL,
    polarity_max DOUBLE PRECISION NOT NULL,
    positive     BIGINT NOT NULL,
    negative     BIGINT NOT NULL,
    neutral      BIGINT NOT NULL,
    mixed        BIGINT NOT NULL,
    unscored     BIGINT NOT NULL,
    samples      TEXT NOT NULL DEFAULT '', -- JSON array
    PRIMARY KEY (recording_id, keyword, start_ns)
);

-- seq is the insertion order (SQLite's rowid; an identity column in
-- PostgreSQL): the tie-breaker of the (created_ns, seq) page cursor.
CREATE TABLE recorded_posts (
    seq              INTEGER PRIMARY KEY,
    recording_id     TEXT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    source           TEXT NOT NULL,
    post_id          TEXT NOT NULL,
    created_ns       BIGINT NOT NULL,
    keywords         TEXT NOT NULL, -- JSON array
    text             TEXT NOT NULL,
    lang             TEXT NOT NULL,
    author_id        TEXT NOT NULL,
    author_handle    TEXT NOT NULL,
    author_name      TEXT NOT NULL,
    author_followers BIGINT NOT NULL,
    author_location  TEXT NOT NULL,
    author_verified  INTEGER NOT NULL,
    url              TEXT NOT NULL,
    label            TEXT NOT NULL,
    positive         DOUBLE PRECISION NOT NULL,
    negative         DOUBLE PRECISION NOT NULL,
    neutral          DOUBLE PRECISION NOT NULL,
    mixed            DOUBLE PRECISION NOT NULL,
    score            DOUBLE PRECISION NOT NULL,
    polarity         DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX recorded_posts_key ON recorded_posts (recording_id, source, post_id);
CREATE INDEX recorded_posts_page ON recorded_posts (recording_id, created_ns, seq);

-- AUTOINCREMENT: ids never come back after the newest rows are pruned, so a
-- follower's After cursor stays meaningful.
CREATE TABLE logs (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    service   TEXT NOT NULL,
    instance  TEXT NOT NULL,
    time_ns   BIGINT NOT NULL,
    level     INTEGER NOT NULL, -- slog.Level: debug -4, info 0, warn 4, error 8
    message   TEXT NOT NULL,
    attrs     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX logs_tenant ON logs (tenant_id, id);
CREATE INDEX logs_time ON logs (time_ns);

CREATE TABLE source_state (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    updated_ns BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
