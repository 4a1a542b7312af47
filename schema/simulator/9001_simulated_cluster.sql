-- The simulated cluster's inventory (namespaces and Helm releases it "created", with each
-- release's generated admin password, as a real cluster keeps it in a Secret), kept in the
-- database so a crash test can tell duplicates and leftovers across process restarts.
-- Applied only when Urumi runs on the simulated cluster (numbers 9000+ are the simulator's);
-- `urumi sim inventory` prints it.
create table if not exists sim_objects (
    kind            text        not null check (kind in ('namespace', 'release')),
    name            text        not null,
    owner           text        not null,
    present         boolean     not null,
    created_count   int         not null default 0,
    secret          text,
    updated_at      timestamptz not null default now(),
    primary key (kind, name)
);
