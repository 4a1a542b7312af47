-- The store list keeps each row's JSON exactly as the API answers it (view_text, written by the
-- projector with the domain's encoder), so a page of stores is sent as stored: no decoding into
-- Swift values and encoding again per request. The jsonb copy (view) goes; the folded state
-- (state) stays for the projector. Rows projected before this read as their jsonb text until
-- the projector next writes them (`urumi projections rebuild` rewrites them all).
alter table store_view add column if not exists view_text text;
update store_view set view_text = view::text where view_text is null;
alter table store_view alter column view_text set not null;
alter table store_view drop column if exists view;
