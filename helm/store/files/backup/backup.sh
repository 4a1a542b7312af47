# shellcheck shell=bash
# URUMI_BACKUP_MODE=backup: dump (mysql image) -> archive (WordPress image, wp-content
# read-only) -> store (storage image: manifest, upload) -> finish (the manifest as the
# termination message).

# A consistent snapshot without locking the shop: one InnoDB transaction (WordPress and
# WooCommerce tables are InnoDB). No routines or events (WordPress has none, and they need
# privileges the store's user lacks); no tablespaces (MySQL 8 wants PROCESS for those).
backup_dump() {
  write_db_options
  wait_for_db
  local out=$FILES_DIR/$DATABASE_FILE created_at woo db_version
  rm -f "$out" "$STATE_DIR/db-info"
  created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # What the database says it is (recorded beside what Urumi believes).
  woo=$(sql -e "SELECT option_value FROM wp_options WHERE option_name = 'woocommerce_version'" 2>/dev/null || true)
  db_version=$(sql -e "SELECT option_value FROM wp_options WHERE option_name = 'db_version'" 2>/dev/null || true)
  log "dumping $DB_NAME (WooCommerce ${woo:-none}, WordPress db_version ${db_version:-none})"
  local dump extra=()
  dump=$(db_program dump)
  # MySQL's own mysqldump (the store's image) also writes GTID statements, and with them may
  # take FLUSH TABLES WITH READ LOCK, which the store's user may not: one server, no replicas,
  # nothing to record. MariaDB's dump (this project's tests) has no such option.
  if ! "$dump" --version 2>/dev/null | grep -qi mariadb; then
    extra+=(--set-gtid-purged=OFF)
  fi
  "$dump" --defaults-extra-file="$CLIENT_OPTIONS" --single-transaction --quick --hex-blob \
    --no-tablespaces --default-character-set=utf8mb4 --triggers "${extra[@]}" "$DB_NAME" |
    gzip -6 >"$out"
  # A dump that ended early has no closing line: refuse it rather than store half a shop.
  gzip -dc "$out" | tail -n 1 | grep -q -- '-- Dump completed' ||
    fail "the dump of $DB_NAME is incomplete (no '-- Dump completed' line)"
  printf 'createdAt=%s\nwoocommerce=%s\ndbVersion=%s\n' "$created_at" "$woo" "$db_version" \
    >"$STATE_DIR/db-info"
  log "database dumped: $(file_bytes "$out") bytes compressed"
}

# wp-content as it is on the WordPress volume (mounted read-only here). lost+found belongs
# to root on a fresh ext4 volume and is not the shop's.
backup_archive() {
  local out=$FILES_DIR/$CONTENT_FILE status=0
  [ -d "$WP_CONTENT" ] || fail "wp-content is not mounted at $WP_CONTENT"
  rm -f "$out"
  tar --create --gzip --file "$out" --directory "$WP_CONTENT" --numeric-owner \
    --exclude ./lost+found . || status=$?
  # GNU tar exits 1 when a file changed while it was read (the shop keeps running): the
  # archive is still whole, with that file as it was at some moment. 2 is a real failure.
  case $status in
    0) ;;
    1) log "warning: some files changed while they were archived" ;;
    *) fail "tar of $WP_CONTENT failed (exit $status)" ;;
  esac
  gzip -t "$out" || fail "the wp-content archive is corrupt"
  log "wp-content archived: $(file_bytes "$out") bytes compressed"
}

# The manifest (sizes, SHA-256, versions), the files, then the manifest: it goes last, so
# its presence means the backup is complete. A retried attempt replaces what an earlier one
# left (the manifest first, so the backup is never complete-looking with mixed files).
backup_store() {
  storage_init
  local info=$STATE_DIR/db-info name bytes sum total=0 files="" manifest
  [ -s "$info" ] || fail "no database dump from the dump step"
  for name in "$DATABASE_FILE" "$CONTENT_FILE"; do
    [ -s "$FILES_DIR/$name" ] || fail "$name is missing from the earlier steps"
    bytes=$(file_bytes "$FILES_DIR/$name")
    sum=$(file_sha256 "$FILES_DIR/$name")
    total=$((total + bytes))
    files="${files:+$files,}{\"name\":$(json_str "$name"),\"bytes\":$bytes,\"sha256\":\"$sum\"}"
  done
  manifest="{\"format\":1,\"backup\":$(json_str "$BACKUP_ID"),\"store\":$(json_str "$BACKUP_STORE")"
  manifest+=",\"createdAt\":$(json_str "$(info_value createdAt)")"
  manifest+=",\"wordpressVersion\":$(json_str "${URUMI_WORDPRESS_VERSION:-}")"
  manifest+=",\"woocommerceVersion\":$(json_str "${URUMI_WOOCOMMERCE_VERSION:-}")"
  manifest+=",\"chartRevision\":$(json_str "${URUMI_CHART_REVISION:-}")"
  manifest+=",\"database\":{\"woocommerceVersion\":$(json_str "$(info_value woocommerce)")"
  manifest+=",\"wordpressDbVersion\":$(json_str "$(info_value dbVersion)")}"
  manifest+=",\"files\":[$files],\"totalBytes\":$total,\"target\":$(json_str "$TARGET_URL")}"
  [ "${#manifest}" -lt 4000 ] || fail "the manifest is longer than a termination message allows"
  printf '%s\n' "$manifest" >"$FILES_DIR/$MANIFEST_FILE"

  if storage_has "$MANIFEST_FILE"; then
    log "replacing the objects of an earlier attempt at $TARGET_URL"
    storage_remove "$MANIFEST_FILE"
  fi
  for name in "$DATABASE_FILE" "$CONTENT_FILE" "$MANIFEST_FILE"; do
    log "storing $name at $TARGET_URL"
    storage_put "$FILES_DIR/$name" "$name"
  done
  printf '%s' "$manifest" >"$STATE_DIR/result.json"
  log "backup $BACKUP_ID stored: $total bytes at $TARGET_URL"
}

# info_value KEY: a value the dump step recorded.
info_value() { sed -n "s/^$1=//p" "$STATE_DIR/db-info" | head -n 1; }

backup_finish() { report_result; }
