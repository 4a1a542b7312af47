# shellcheck shell=bash
# Shared by every step of the backup Job (run.sh sources it). Everything comes from the
# environment: the contract variables Urumi sets on every container (URUMI_BACKUP_*,
# URUMI_SCRUB, URUMI_URL_*) and the BACKUP_* / DB_* / S3_* settings the chart's template sets
# (README "Backups"). The tests run these same files with other paths in those variables.

MODE=${URUMI_BACKUP_MODE:-}
BACKUP_ID=${URUMI_BACKUP_ID:-}
BACKUP_STORE=${URUMI_BACKUP_STORE:-}
SCRATCH=${BACKUP_SCRATCH:-/scratch}
# The backup's files travel through here in both directions; state/ passes small facts
# (dump time, database versions, "verified", the result) from one container to the next.
FILES_DIR=$SCRATCH/files
STATE_DIR=$SCRATCH/state
WP_CONTENT=${BACKUP_WP_CONTENT:-/var/www/html/wp-content}
TERMINATION_LOG=${BACKUP_TERMINATION_LOG:-/dev/termination-log}
DATABASE_FILE=database.sql.gz
CONTENT_FILE=wp-content.tar.gz
MANIFEST_FILE=manifest.json

log() { printf '[backup %s %s:%s] %s\n' "$(date -u +%H:%M:%S)" "$MODE" "${STEP:-}" "$*" >&2; }

# terminate MESSAGE: the container's termination message (what Urumi shows or parses).
terminate() { printf '%s' "$1" | head -c 4000 >"$TERMINATION_LOG" 2>/dev/null || true; }

# fail REASON: a readable one-line reason as the termination message, and exit 1 (the Job
# may retry: a database restarting, a network error). refuse REASON: the same with exit 3,
# for what no retry changes (bad inputs, a backup that does not match its manifest); the
# Job's podFailurePolicy fails the Job at once on 3.
fail() {
  local reason="$MODE/$STEP: $*"
  reason=${reason//$'\n'/ }
  log "ERROR: $reason"
  terminate "$reason"
  exit "${FAIL_STATUS:-1}"
}
refuse() { FAIL_STATUS=3 fail "$@"; }

# Any command that fails unexpectedly (set -e) still leaves a reason naming it.
# (A fail inside $(...) has already written its reason; the caller's ERR must not replace it.)
on_error() {
  local status=$1 line=$2 command=$3
  trap - ERR
  case $command in *'$('*) [ -s "$TERMINATION_LOG" ] && exit "$status" ;; esac
  fail "\`${command:0:300}\` failed (exit $status, line $line)"
}

# json_str VALUE: VALUE as a JSON string (quotes, backslashes escaped; control characters dropped).
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=$(printf '%s' "$s" | tr -d '\000-\037')
  printf '"%s"' "$s"
}

is_true() { case ${1:-} in true | TRUE | True | 1 | yes) return 0 ;; esac; return 1; }

# The inputs every step checks first, so that a bad Job fails in its first container.
check_inputs() {
  case $MODE in
    backup | restore | delete) ;;
    *) refuse "URUMI_BACKUP_MODE must be backup, restore or delete, not '$MODE'" ;;
  esac
  [[ $BACKUP_ID =~ ^[a-z0-9][a-z0-9-]{0,39}$ ]] ||
    refuse "URUMI_BACKUP_ID '$BACKUP_ID' is not 1-40 characters of [a-z0-9-]"
  [[ $BACKUP_STORE =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] ||
    refuse "URUMI_BACKUP_STORE '$BACKUP_STORE' is not a store id"
  mkdir -p "$FILES_DIR" "$STATE_DIR"
}

# The database: a client options file (the password never goes on a command line) and the
# client programs, by their MariaDB names when present, else MySQL's (the mysql image).
write_db_options() {
  CLIENT_OPTIONS=$STATE_DIR/client.cnf
  local password
  password=$(cat "${DB_PASSWORD_FILE:?}")
  (
    umask 077
    printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\nprotocol=TCP\ndefault-character-set=utf8mb4\n' \
      "${DB_HOST:?}" "${DB_PORT:-3306}" "${DB_USER:?}" "$password" >"$CLIENT_OPTIONS"
  )
}
db_program() {
  if command -v "mariadb${1:+-$1}" >/dev/null 2>&1; then
    printf 'mariadb%s' "${1:+-$1}"
  else
    printf 'mysql%s' "${1:-}"
  fi
}
# sql ARGS...: the client against the store's database, batch mode.
sql() { "$(db_program)" --defaults-extra-file="$CLIENT_OPTIONS" --batch --skip-column-names "$@" "${DB_NAME:?}"; }
# wait_for_db: MySQL may be restarting (a retried Job, a store just resumed).
wait_for_db() {
  local waited=0 limit=${DB_WAIT_SECONDS:-300}
  until sql -e 'SELECT 1' >/dev/null 2>&1; do
    if [ "$waited" -ge "$limit" ]; then
      sql -e 'SELECT 1' || true
      fail "the database $DB_NAME at $DB_HOST did not answer within ${limit}s"
    fi
    sleep 5
    waited=$((waited + 5))
  done
}

# file_bytes FILE / file_sha256 FILE (coreutils and BusyBox alike).
file_bytes() { wc -c <"$1" | tr -d ' '; }
file_sha256() { sha256sum "$1" | cut -d ' ' -f 1; }

# The last container: the result the earlier steps left becomes the termination message.
report_result() {
  [ -s "$STATE_DIR/result.json" ] || fail "no result from the earlier steps"
  local result
  result=$(cat "$STATE_DIR/result.json")
  terminate "$result"
  printf '%s\n' "$result"
}
