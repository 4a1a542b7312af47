-- Dashboard sessions: a sign-in exchanges a token for an HttpOnly cookie whose value is only
-- stored hashed here. Runtime state, not derived from the log; revoking the token ends them.
create table if not exists sessions (
    id_hash     text        primary key,
    token_name  text        not null,
    csrf        text        not null,
    created_at  timestamptz not null default now(),
    expires_at  timestamptz not null
);
create index if not exists sessions_by_expiry on sessions (expires_at);
