-- The simulated cluster's Helm release history: every upgrade and rollback of a release is a
-- revision with the values it ran (the store's config as JSON), so day-two operations and their
-- rollbacks can be checked across process restarts. Uninstalling a release removes its history.
create table if not exists sim_release_revisions (
    release     text        not null,
    revision    int         not null,
    values_json text        not null,
    created_at  timestamptz not null default now(),
    primary key (release, revision)
);
