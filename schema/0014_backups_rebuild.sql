-- Backups add a list of backups to the folded state and to the store's view. Both read models
-- are derived: empty them and rewind their checkpoints, so the projector folds the whole log
-- again with the new shape on start (as 0013 did for day-two operations).
delete from store_view;
delete from saga_queue;
update projection_checkpoints set txid = '0', position = 0, updated_at = now()
 where name in ('store_view', 'saga_queue');
