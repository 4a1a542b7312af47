-- urumi_append: one atomic append in one round trip.
--
-- Order matters: every check that can fail runs before the first position is drawn from the
-- sequence, so a refused append burns no position. Failures raise with their own SQLSTATE so
-- the caller gets a typed error and the transaction leaves nothing behind:
--   UR001 wrong expected version (DETAIL: actual version, or empty for no stream)
--   UR002 claim held by another stream (MESSAGE: claim, DETAIL: owner)
--   UR003 idempotency key reused for a different request
--   UR004 some but not all event ids already stored
-- p_expected: -1 = any, 0 = no stream, n > 0 = exactly version n.
-- p_events: JSON array of {"id": uuid, "type": text, "data": object, "metadata": object}.
create or replace function urumi_append(
    p_stream      text,
    p_expected    bigint,
    p_events      jsonb,
    p_key         text,
    p_fingerprint text,
    p_claims      text[],
    p_releases    text[]
) returns table (
    replayed       boolean,
    stream_version bigint,
    first_txid     xid8,
    first_position bigint,
    last_txid      xid8,
    last_position  bigint
)
language plpgsql
as $$
declare
    v_count   int := jsonb_array_length(p_events);
    v_new     bigint;
    v_actual  bigint;
    v_key     idempotency_keys%rowtype;
    v_known   int;
    v_claim   text;
    v_owner   text;
begin
    -- 1. Idempotency key: reserve it first. A concurrent holder makes us wait for its outcome.
    if p_key is not null then
        insert into idempotency_keys (key, fingerprint, stream_id)
        values (p_key, p_fingerprint, p_stream)
        on conflict (key) do nothing;
        if not found then
            select * into v_key from idempotency_keys k where k.key = p_key;
            if v_key.fingerprint is distinct from p_fingerprint or v_key.stream_id <> p_stream then
                raise exception using errcode = 'UR003', message = 'idempotency key reused';
            end if;
            return query select true, v_key.stream_version, v_key.first_txid, v_key.first_position,
                                v_key.last_txid, v_key.last_position;
            return;
        end if;
    end if;

    -- 2. Event ids already stored: the same append repeated returns its first result.
    select count(*) into v_known
    from events e
    where e.event_id in (select (x->>'id')::uuid from jsonb_array_elements(p_events) x);
    if v_known > 0 then
        if v_known <> v_count or exists (
            select 1 from events e
            where e.event_id in (select (x->>'id')::uuid from jsonb_array_elements(p_events) x)
              and e.stream_id <> p_stream)
        then
            raise exception using errcode = 'UR004', message = 'some event ids are already stored';
        end if;
        return query
            select true, max(e.stream_version),
                   (array_agg(e.transaction_id order by e.position))[1], min(e.position),
                   (array_agg(e.transaction_id order by e.position desc))[1], max(e.position)
            from events e
            where e.event_id in (select (x->>'id')::uuid from jsonb_array_elements(p_events) x);
        return;
    end if;

    -- 3. Expected version, checked and advanced under the stream row's lock.
    if p_expected = -1 then
        insert into streams as s (stream_id, version) values (p_stream, v_count)
        on conflict (stream_id) do update set version = s.version + v_count, updated_at = now()
        returning s.version into v_new;
    elsif p_expected = 0 then
        insert into streams (stream_id, version) values (p_stream, v_count)
        on conflict (stream_id) do nothing
        returning version into v_new;
    else
        update streams s set version = s.version + v_count, updated_at = now()
        where s.stream_id = p_stream and s.version = p_expected
        returning s.version into v_new;
    end if;
    if v_new is null then
        select s.version into v_actual from streams s where s.stream_id = p_stream;
        raise exception using errcode = 'UR001', message = 'wrong expected version',
            detail = coalesce(v_actual::text, '');
    end if;

    -- 4. Claims: releases first (a stream may move from one name to another), then claims.
    if p_releases is not null and cardinality(p_releases) > 0 then
        delete from claims c where c.claim = any (p_releases) and c.stream_id = p_stream;
    end if;
    if p_claims is not null and cardinality(p_claims) > 0 then
        insert into claims (claim, stream_id)
        select unnest(p_claims), p_stream
        on conflict (claim) do nothing;
        select c.claim, c.stream_id into v_claim, v_owner
        from claims c where c.claim = any (p_claims) and c.stream_id <> p_stream
        limit 1;
        if found then
            raise exception using errcode = 'UR002', message = v_claim, detail = v_owner;
        end if;
    end if;

    -- 5. The events, with contiguous versions.
    return query
    with inserted as (
        insert into events (event_id, stream_id, stream_version, type, data, metadata)
        select (x.e->>'id')::uuid, p_stream, v_new - v_count + x.ord, x.e->>'type', x.e->'data', x.e->'metadata'
        from jsonb_array_elements(p_events) with ordinality as x(e, ord)
        order by x.ord
        returning events.position, events.transaction_id
    )
    select false, v_new, min(i.transaction_id), min(i.position), min(i.transaction_id), max(i.position)
    from inserted i;

    if p_key is not null then
        update idempotency_keys k
        set stream_version = v_new,
            first_txid = pg_current_xact_id(), last_txid = pg_current_xact_id(),
            first_position = (select min(e.position) from events e
                              where e.stream_id = p_stream and e.stream_version > v_new - v_count),
            last_position = (select max(e.position) from events e
                             where e.stream_id = p_stream and e.stream_version > v_new - v_count)
        where k.key = p_key;
    end if;
end;
$$;
