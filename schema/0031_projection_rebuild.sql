-- Online rebuilds of the read models (`urumi projections rebuild --online`,
-- docs/decisions/rebuilds-and-retention.md): the next store list and saga queue are built in
-- shadow tables beside the live ones while the service serves and appends, then swapped in
-- one transaction under the projector's lock, so a reader sees the old rows or the new ones,
-- never a half-built list. Coordinators read only the live saga_queue: the shadow one has no
-- side effects until it is swapped in.

-- Fresh shadow tables of the live tables' current shape (made here, not in a migration of
-- their own, so they follow later migrations of store_view and saga_queue), and the rebuild's
-- checkpoint at the start of the log. Unlogged: a crash loses them, and a rebuild starts over.
create or replace function urumi_rebuild_begin() returns void
language plpgsql as $$
begin
    drop table if exists store_view_next;
    drop table if exists saga_queue_next;
    create unlogged table store_view_next (like store_view including defaults including constraints);
    alter table store_view_next add primary key (store_id);
    create unlogged table saga_queue_next (like saga_queue including defaults including constraints);
    alter table saga_queue_next add primary key (store_id);
    insert into projection_checkpoints (name) values ('rebuild')
    on conflict (name) do update set txid = '0', position = 0, updated_at = now();
end
$$;

-- The swap: the live rows replaced by the shadow's and the live checkpoints moved to the
-- rebuild's, in the caller's transaction (which holds the projector's advisory lock and has
-- applied every readable event to the shadow). Rows, not tables, are swapped: the live tables
-- keep their indexes, names and grants, and readers (MVCC) never wait.
create or replace function urumi_rebuild_swap() returns bigint
language plpgsql as $$
declare
    v_rows bigint;
begin
    if not exists (select 1 from projection_checkpoints where name = 'rebuild') then
        raise exception 'no rebuild under way' using errcode = 'UR010';
    end if;
    delete from store_view;
    insert into store_view select * from store_view_next;
    get diagnostics v_rows = row_count;
    delete from saga_queue;
    insert into saga_queue select * from saga_queue_next;
    update projection_checkpoints live set txid = shadow.txid, position = shadow.position, updated_at = now()
      from projection_checkpoints shadow
     where shadow.name = 'rebuild' and live.name in ('store_view', 'saga_queue');
    delete from projection_checkpoints where name = 'rebuild';
    drop table store_view_next;
    drop table saga_queue_next;
    return v_rows;
end
$$;
