# shellcheck shell=bash
# URUMI_BACKUP_MODE=restore: fetch (storage image: files + manifest, every SHA-256 checked)
# -> import (mysql image: tables replaced, optional scrub) -> unpack (WordPress image:
# wp-content replaced) -> core (WordPress image: core for WP-CLI) -> finish (WP-CLI: URL
# rewrite, `wp wc update`, the result). Nothing is touched before every checksum matched.

# manifest_entry NAME: "<bytes> <sha256>" of NAME in the manifest (our own one-line format).
manifest_entry() {
  local name=${1//./\\.}
  sed -n "s/.*{\"name\":\"$name\",\"bytes\":\([0-9][0-9]*\),\"sha256\":\"\([0-9a-f]\{64\}\)\"}.*/\1 \2/p" \
    "$FILES_DIR/$MANIFEST_FILE"
}

restore_fetch() {
  storage_init
  local name entry bytes sum actual_bytes actual_sum manifest
  rm -f "$STATE_DIR/verified" "$STATE_DIR/scrubbed" "$STATE_DIR/result.json"
  rm -f "$FILES_DIR/$MANIFEST_FILE" "$FILES_DIR/$DATABASE_FILE" "$FILES_DIR/$CONTENT_FILE"
  storage_get "$MANIFEST_FILE" "$FILES_DIR/$MANIFEST_FILE" ||
    fail "backup $BACKUP_ID has no manifest at $TARGET_URL (missing or incomplete)"
  manifest=$(head -c 4096 "$FILES_DIR/$MANIFEST_FILE")
  case $manifest in
    '{"format":1,'*) ;;
    *) refuse "the manifest at $TARGET_URL is not format 1" ;;
  esac
  case $manifest in
    *"\"backup\":$(json_str "$BACKUP_ID"),\"store\":$(json_str "$BACKUP_STORE"),"*) ;;
    *) refuse "the manifest at $TARGET_URL is not backup $BACKUP_ID of store $BACKUP_STORE" ;;
  esac
  # Optional: the manifest Urumi recorded when the backup was made (its termination message).
  # With it, a manifest replaced together with its files is refused too.
  if [ -n "${URUMI_BACKUP_MANIFEST:-}" ] && [ "$manifest" != "$URUMI_BACKUP_MANIFEST" ]; then
    refuse "the manifest at $TARGET_URL is not the one recorded for backup $BACKUP_ID. Nothing was restored"
  fi
  for name in "$DATABASE_FILE" "$CONTENT_FILE"; do
    entry=$(manifest_entry "$name")
    [ -n "$entry" ] || refuse "the manifest lists no $name"
    bytes=${entry% *}
    sum=${entry#* }
    log "fetching $name ($bytes bytes)"
    storage_get "$name" "$FILES_DIR/$name" || fail "$name is missing at $TARGET_URL"
    actual_bytes=$(file_bytes "$FILES_DIR/$name")
    actual_sum=$(file_sha256 "$FILES_DIR/$name")
    if [ "$actual_sum" != "$sum" ] || [ "$actual_bytes" != "$bytes" ]; then
      rm -f "$FILES_DIR/$name"
      refuse "checksum mismatch for $name: the manifest says $bytes bytes, sha256 $sum; the stored file has $actual_bytes bytes, sha256 $actual_sum. Nothing was restored"
    fi
  done
  date -u +%Y-%m-%dT%H:%M:%SZ >"$STATE_DIR/verified"
  log "every file matches the manifest"
}

require_verified() {
  [ -f "$STATE_DIR/verified" ] || refuse "the files were not verified against the manifest: refusing to restore"
}

# The store's tables are replaced by the backup's: every table and view is dropped first,
# so tables created after the backup (a plugin installed since) do not survive next to it.
restore_import() {
  require_verified
  write_db_options
  wait_for_db
  local drops
  drops=$(sql -e "SELECT CONCAT(IF(table_type = 'VIEW', 'DROP VIEW IF EXISTS ', 'DROP TABLE IF EXISTS '), '\`', REPLACE(table_name, '\`', '\`\`'), '\`;') FROM information_schema.tables WHERE table_schema = DATABASE()")
  log "dropping $(printf '%s' "$drops" | grep -c . || true) tables of $DB_NAME"
  printf 'SET FOREIGN_KEY_CHECKS=0;\n%s\n' "$drops" | sql
  log "importing $DATABASE_FILE"
  gzip -dc "$FILES_DIR/$DATABASE_FILE" | sql
  if is_true "${URUMI_SCRUB:-false}"; then
    scrub_database
    touch "$STATE_DIR/scrubbed"
  fi
  log "database restored"
}

# scrub.sql holds one block per table, headed "-- requires: TABLE...": a block runs only
# when all its tables exist (a store without WooCommerce's HPOS tables, say).
scrub_database() {
  local tables script=${BACKUP_SCRIPTS:-/opt/urumi/backup}/scrub.sql
  tables=" $(sql -e "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()" | tr '\n' ' ') "
  log "scrubbing customer personal data"
  # Plain bash: the mysql image (Oracle Linux slim) this runs in need not have awk.
  local line keep=0 table
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line == "-- requires:"* ]]; then
      keep=1
      for table in ${line#-- requires:}; do
        [[ $tables == *" $table "* ]] || keep=0
      done
    elif [ "$keep" = 1 ]; then
      printf '%s\n' "$line"
    fi
  done <"$script" | {
    # The dump's own session settings: no strict mode tripping over WordPress's zero dates.
    printf "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\n"
    cat
  } | sql
}

# wp-content is emptied (lost+found aside) and replaced by the archive.
restore_unpack() {
  require_verified
  [ -d "$WP_CONTENT" ] || fail "wp-content is not mounted at $WP_CONTENT"
  log "replacing wp-content"
  find "$WP_CONTENT" -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} +
  tar --extract --gzip --file "$FILES_DIR/$CONTENT_FILE" --directory "$WP_CONTENT" \
    --preserve-permissions --exclude ./lost+found
  log "wp-content restored"
}

# WP-CLI needs the site's WordPress core: copied from the WordPress image, as the setup Job
# does, with the image's environment-driven wp-config.php.
restore_core() {
  local docroot=${WP_PATH:-/var/www/html}
  local source=${BACKUP_WORDPRESS_SOURCE:-/usr/src/wordpress}
  cd "$source" || fail "no WordPress core in $source (not the WordPress image?)"
  tar --create --file - --exclude ./wp-content . | tar --extract --file - --directory "$docroot"
  cp wp-config-docker.php "$docroot/wp-config.php"
}

restore_finish() {
  require_verified
  local rewritten=false scrubbed=false from=${URUMI_URL_FROM:-} to=${URUMI_URL_TO:-}
  [ -f "$STATE_DIR/scrubbed" ] && scrubbed=true
  if is_true "${URUMI_BACKUP_TEST_SKIP_WP:-}"; then
    # Test-only (scripts/test-backup has no WordPress core and no WooCommerce to run them).
    log "test: skipping wp search-replace ('$from' -> '$to') and wp wc update"
  else
    command -v wp >/dev/null || refuse "WP-CLI (wp) is not in this image"
    wpc core is-installed || fail "WordPress does not see an installed site in $DB_NAME after the import"
    if [ -n "$from" ] && [ -n "$to" ] && [ "$from" != "$to" ]; then
      rewrite_urls "$from" "$to"
      rewritten=true
    fi
    if is_true "${URUMI_RESET_ADMIN:-}"; then
      reset_admin
    fi
    if wpc plugin is-active woocommerce; then
      log "wp wc update"
      wpc wc update
    else
      log "WooCommerce is not active in the restored site: no wp wc update"
    fi
  fi
  printf '{"restored":%s,"scrubbed":%s,"rewritten":%s}' "$(json_str "$BACKUP_ID")" \
    "$scrubbed" "$rewritten" >"$STATE_DIR/result.json"
  report_result
}

# reset_admin: a clone's database came with the source's admin; the clone's own login (its
# Secret, which Urumi shows as the store's credentials) is set, creating the user if needed.
reset_admin() {
  local user password
  user=$(cat "${ADMIN_USER_FILE:?}") || fail "cannot read the admin user from $ADMIN_USER_FILE"
  password=$(cat "${ADMIN_PASSWORD_FILE:?}") || fail "cannot read the admin password from $ADMIN_PASSWORD_FILE"
  if wpc user get "$user" --field=ID >/dev/null 2>&1; then
    log "setting this store's password on admin user $user"
    wpc user update "$user" --user_pass="$password" --skip-email >/dev/null
  else
    log "creating admin user $user (the source's admin had another name)"
    wpc user create "$user" "${ADMIN_EMAIL:?}" --role=administrator --user_pass="$password" >/dev/null
  fi
}

# WP-CLI on the restored site. search-replace runs without plugins and themes (their code
# must not run against half-rewritten data); `wc update` needs WooCommerce loaded.
wpc() { wp --path="${WP_PATH:-/var/www/html}" "$@"; }

# rewrite_urls FROM TO: wp search-replace unserializes PHP-serialized values, so lengths stay
# right; the JSON-escaped form (https:\/\/host, in blocks and some options) is done too.
# GUIDs stay: they are identifiers, not links.
rewrite_urls() {
  local from=$1 to=$2
  log "rewriting URLs: $from -> $to"
  local flags=(--skip-plugins --skip-themes --all-tables-with-prefix --skip-columns=guid --report-changed-only)
  wpc search-replace "$from" "$to" "${flags[@]}"
  wpc search-replace "${from//\//\\/}" "${to//\//\\/}" "${flags[@]}"
}
