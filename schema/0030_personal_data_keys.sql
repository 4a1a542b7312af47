-- Personal data (the admin e-mail) is sealed in events with a key per store that lives here,
-- outside the log (docs/decisions/personal-data.md). Forgetting a store destroys its key: the
-- events stay for audit, their sealed fields can never be opened again.
--
-- A destroyed key leaves its row with `key` null and `destroyed_at` set (a tombstone: nothing
-- may be sealed for that store again). The key's old bytes stay in the table's dead tuple
-- until VACUUM, and in WAL and backups until they age out (see the decision record).
create table if not exists store_keys (
    store_id      uuid        primary key,
    key           bytea,
    created_at    timestamptz not null default now(),
    destroyed_at  timestamptz,
    constraint store_keys_key_or_tombstone check ((key is null) = (destroyed_at is not null)),
    constraint store_keys_key_length check (key is null or length(key) = 32)
);

-- `store.forgotten.v1` and the key's destruction are one transaction: the database, not the
-- caller, keeps "forgotten in the log" and "key gone" together. The same transaction turns the
-- fingerprint of the store's idempotency keys (a digest over the request, the e-mail included)
-- into a marker, so no guess of the e-mail can be checked against it; a repeat of the key is
-- then refused as reused.
create or replace function urumi_forget_store_key() returns trigger
language plpgsql as $$
declare
    v_store uuid := substring(new.stream_id from 7)::uuid;
begin
    insert into store_keys (store_id, key, destroyed_at) values (v_store, null, now())
    on conflict (store_id) do update set key = null, destroyed_at = coalesce(store_keys.destroyed_at, now());
    update idempotency_keys set fingerprint = 'forgotten' where stream_id = new.stream_id;
    return null;
end
$$;

-- Only the one event type fires it (the WHEN is checked per row before any call).
drop trigger if exists events_forget_store_key on events;
create trigger events_forget_store_key after insert on events
    for each row when (new.type = 'store.forgotten.v1' and new.stream_id like 'store-%')
    execute function urumi_forget_store_key();
