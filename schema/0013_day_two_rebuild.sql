-- Day-two operations (update, suspend, resume, domains) add fields to the folded state and to
-- the store's view (desired and applied config, helm revision, the operation under way and
-- the history). Both read models are derived: empty them and rewind their checkpoints, so the
-- projector folds the whole log again with the new shape on start (the API answers a store
-- from its stream meanwhile). Same as `urumi projections rebuild`, done once by the migration.
delete from store_view;
delete from saga_queue;
update projection_checkpoints set txid = '0', position = 0, updated_at = now()
 where name in ('store_view', 'saga_queue');
