-- Leases on the fleet's schedules (docs/decisions/schedule-leases.md): one replica at a time
-- runs each of the health-check sweep, the drift sweep and the backup scheduler. A row per
-- schedule: who holds it and until when, by the database's clock (never a replica's, so clock
-- skew between replicas cannot make two holders). The holder renews well before the expiry; a
-- replica that dies (SIGKILL, a lost node) simply stops renewing, and another takes the lease
-- once it has expired: failover within the TTL whatever the failure, with no session or
-- connection state to leak through a pool.
create table if not exists schedule_leases (
    name text primary key,
    holder text not null,
    expires_at timestamptz not null,
    -- When this holder took it (kept across renewals): how long it has led.
    acquired_at timestamptz not null default now()
);

-- Takes the lease `p_name` for `p_holder` for `p_ttl_ms` milliseconds when it is free, expired
-- or already `p_holder`'s (then it renews it); true when `p_holder` holds it afterwards. The
-- upsert's WHERE is evaluated on the locked row, so of two replicas racing for an expired
-- lease exactly one wins.
create or replace function urumi_take_schedule_lease(p_name text, p_holder text, p_ttl_ms bigint) returns boolean
language sql as $$
    with taken as (
        insert into schedule_leases as l (name, holder, expires_at, acquired_at)
        values (p_name, p_holder, now() + p_ttl_ms * interval '1 millisecond', now())
        on conflict (name) do update
            set holder = excluded.holder,
                expires_at = excluded.expires_at,
                acquired_at = case when l.holder = excluded.holder then l.acquired_at else excluded.acquired_at end
            where l.holder = excluded.holder or l.expires_at <= now()
        returning 1
    )
    select exists (select 1 from taken)
$$;
