-- The simulated cluster's inventory (namespaces and Helm releases it "created"), kept in the
-- database so a crash test can tell duplicates and leftovers across process restarts.
-- Only the simulated cluster uses it; `urumi sim inventory` prints it.
create table if not exists sim_objects (
    kind            text        not null check (kind in ('namespace', 'release')),
    name            text        not null,
    owner           text        not null,
    present         boolean     not null,
    created_count   int         not null default 0,
    updated_at      timestamptz not null default now(),
    primary key (kind, name)
);
