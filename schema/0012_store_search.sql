-- Search of the store list by name or domain (GET /stores?q=): a case-insensitive substring
-- match, `(name || E'\x1f' || domain) ilike '%q%'` (the unit separator, which neither a name
-- nor a domain nor a search may hold, keeps a match from spanning the two). A trigram GIN index
-- from pg_trgm serves it when the extension can be had; pg_trgm is a trusted extension (a
-- database owner may create it) shipped with PostgreSQL's contrib (Debian's postgresql-15 has
-- it). Without it (not installed, or not ours to create) the search still works, as a filter
-- on the list walked in order: slower on a large list, never wrong.
do $$
begin
    create extension if not exists pg_trgm;
exception when others then
    raise notice 'pg_trgm is not available (%); the store search runs without an index', sqlerrm;
end
$$;

do $$
begin
    if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index if not exists store_view_search on store_view
            using gin ((name || E'\x1f' || domain) gin_trgm_ops);
    end if;
exception when others then
    -- e.g. the extension lives in a schema that is not on the search path
    raise notice 'no trigram index for the store search (%)', sqlerrm;
end
$$;
