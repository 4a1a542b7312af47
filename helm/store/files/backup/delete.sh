# shellcheck shell=bash
# URUMI_BACKUP_MODE=delete (retention expiry): every object of this one backup goes, and
# nothing else. Deleting a backup that is already gone succeeds with "objects":0.

delete_store() {
  storage_init
  local count
  log "deleting $TARGET_URL"
  count=$(storage_delete_all)
  printf '{"deleted":%s,"objects":%s}' "$(json_str "$BACKUP_ID")" "$count" >"$STATE_DIR/result.json"
  log "deleted $count objects of backup $BACKUP_ID"
}

delete_finish() { report_result; }
