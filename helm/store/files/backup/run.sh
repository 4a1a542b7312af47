#!/bin/bash
# One step of the backup Job: `run.sh STEP`, the same in every container of the pod, which
# does STEP's part of URUMI_BACKUP_MODE or nothing (README "Backups"). The steps run in this
# order (the pod's init containers, then its one container):
#
#   fetch    restore: the backup's manifest and files into the scratch volume, every
#            SHA-256 and size checked against the manifest; a mismatch stops the restore
#   dump     backup: mysqldump --single-transaction of the store's database, gzip
#   archive  backup: wp-content (mounted read-only) as a tar.gz
#   import   restore: the store's tables dropped, the dump imported, URUMI_SCRUB applied
#   unpack   restore: wp-content emptied and extracted from the archive
#   store    backup: manifest.json, then files and manifest to the target; delete: removes
#            the backup's objects
#   core     restore: WordPress core for WP-CLI (from the WordPress image)
#   finish   restore: wp search-replace (URUMI_URL_FROM -> URUMI_URL_TO), wp wc update;
#            every mode: the one-line JSON result as the termination message
#
# On failure the termination message is a one-line reason and the exit code is 1.
set -Eeuo pipefail
STEP=${1:-}
SCRIPTS=${BACKUP_SCRIPTS:-$(dirname "$0")}
# shellcheck source=lib.sh
. "$SCRIPTS/lib.sh"
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
check_inputs
# shellcheck source=storage.sh
. "$SCRIPTS/storage.sh"
# shellcheck source=backup.sh
. "$SCRIPTS/backup.sh"
# shellcheck source=restore.sh
. "$SCRIPTS/restore.sh"
# shellcheck source=delete.sh
. "$SCRIPTS/delete.sh"

case $STEP in
  fetch | dump | archive | import | unpack | store | core | finish) ;;
  *) fail "unknown step '$STEP'" ;;
esac
if declare -F "${MODE}_$STEP" >/dev/null; then
  log "start"
  "${MODE}_$STEP"
  log "done"
fi
