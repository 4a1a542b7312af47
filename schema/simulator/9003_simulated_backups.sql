-- The simulated cluster's shop data and backup bucket. A release's data is a text standing in
-- for its database and wp-content (removed with the release, like its volumes); a backup is a
-- copy of it with a manifest, kept in a bucket that outlives the store (like S3).
create table if not exists sim_store_data (
    release    text primary key,
    data       text        not null,
    updated_at timestamptz not null default now()
);

create table if not exists sim_backups (
    store      text        not null,
    backup     text        not null,
    data       text        not null,
    manifest   text        not null,
    created_at timestamptz not null default now(),
    primary key (store, backup)
);
