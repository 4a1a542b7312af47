#!/bin/sh
# Urumi order canary, step 2: the last container of the canary pod (image wordpress:cli, as
# www-data). The shopping step (init container `shop`, shop.php) has left $CANARY_WORK_DIR/shop.json.
# This cancels and deletes the canary's order and any canary order an earlier run left
# behind (cleanup.php, inside WordPress through WP-CLI, bounded by CANARY_CLEANUP_SECONDS),
# then report.php writes the result, one line of JSON, to the termination message and exits
# 1 when the canary failed.
#
# CANARY_SKIP_CLEANUP=1 skips the WP-CLI part; only the tests set it (checks/canary), where
# no WordPress runs. The chart never sets it.
set -u

scripts=${CANARY_SCRIPTS_DIR:-/opt/urumi/canary}
work=${CANARY_WORK_DIR:-/work}

if [ "${CANARY_SKIP_CLEANUP:-}" = 1 ]; then
  echo "[canary] CANARY_SKIP_CLEANUP=1: cancel and delete skipped (tests only)"
else
  # WP-CLI's output goes to a file as well: report.php quotes its end when the cleanup left
  # no result (WordPress could not boot, the database was unreachable, the time ran out).
  rm -f "$work/cleanup.json"
  timeout "${CANARY_CLEANUP_SECONDS:-150}" \
    wp --path="${WP_PATH:-/var/www/html}" --url="$SITE_URL" eval-file "$scripts/cleanup.php" \
    >"$work/cleanup.log" 2>&1
  status=$?
  cat "$work/cleanup.log"
  echo "[canary] cleanup exited $status"
fi
exec php "$scripts/report.php"
