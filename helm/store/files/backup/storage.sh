# shellcheck shell=bash
# Where backups live: an S3-compatible bucket (the aws CLI) when S3_BUCKET is set, else a
# directory on the backups PVC. Objects of one backup are <prefix>/<store>/<backup>/<name>
# in the bucket, /backups/<store>/<backup>/<name> on the claim; the manifest is written
# last, so a backup whose manifest.json exists is complete.
#
#   storage_init              call once; sets TARGET_URL
#   storage_put FILE NAME     FILE becomes the object NAME of this backup
#   storage_get NAME FILE     the object NAME into FILE (fails when it is missing)
#   storage_has NAME          true when the object exists
#   storage_remove NAME       removes one object (nothing when missing)
#   storage_delete_all        removes every object of this backup; prints how many there were

storage_init() {
  local folder="$BACKUP_STORE/$BACKUP_ID"
  if [ -n "${S3_BUCKET:-}" ]; then
    STORAGE=s3
    local prefix=${S3_PREFIX:-}
    prefix=${prefix#/}
    prefix=${prefix%/}
    OBJECT_PREFIX="${prefix:+$prefix/}$folder/"
    TARGET_URL="s3://$S3_BUCKET/$OBJECT_PREFIX"
    s3_setup
  else
    STORAGE=pvc
    PVC_FOLDER="${BACKUP_PVC_DIR:-/backups}/$folder"
    TARGET_URL="pvc://${BACKUP_PVC_CLAIM:-backups}/$folder/"
  fi
}

# The aws CLI: credentials from the mounted Secret's files (never in the pod spec), its
# configuration and caches under $HOME (an emptyDir: the root filesystem is read-only).
s3_setup() {
  local dir=${S3_CREDENTIALS_DIR:-/etc/urumi/s3} key
  for key in AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; do
    if [ -r "$dir/$key" ]; then
      export "$key=$(cat "$dir/$key")"
    fi
  done
  if [ -z "${AWS_ACCESS_KEY_ID:-}" ] || [ -z "${AWS_SECRET_ACCESS_KEY:-}" ]; then
    refuse "no S3 credentials: $dir/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (backup.s3.credentialsSecret)"
  fi
  export HOME=${HOME:-/tmp} AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
  export AWS_CONFIG_FILE=$STATE_DIR/aws-config
  # Path-style URLs (bucket in the path) for MinIO and most S3-compatible stores; checksums
  # only where S3 requires them, which every S3-compatible store understands.
  {
    printf '[default]\nregion = %s\n' "${S3_REGION:-us-east-1}"
    printf 'request_checksum_calculation = when_required\nresponse_checksum_validation = when_required\n'
    if is_true "${S3_PATH_STYLE:-true}"; then
      printf 's3 =\n    addressing_style = path\n'
    fi
  } >"$AWS_CONFIG_FILE"
  AWS_ARGS=(--region "${S3_REGION:-us-east-1}")
  if [ -n "${S3_ENDPOINT:-}" ]; then
    AWS_ARGS+=(--endpoint-url "$S3_ENDPOINT")
  fi
}
aws_cli() { aws "${AWS_ARGS[@]}" "$@"; }

storage_put() {
  if [ "$STORAGE" = s3 ]; then
    aws_cli s3 cp --only-show-errors --no-progress "$1" "s3://$S3_BUCKET/$OBJECT_PREFIX$2"
  else
    mkdir -p "$PVC_FOLDER"
    # Copy under a temporary name, then rename: a reader never sees half a file.
    cp "$1" "$PVC_FOLDER/.$2.partial"
    mv -f "$PVC_FOLDER/.$2.partial" "$PVC_FOLDER/$2"
  fi
}

storage_get() {
  if [ "$STORAGE" = s3 ]; then
    aws_cli s3 cp --only-show-errors --no-progress "s3://$S3_BUCKET/$OBJECT_PREFIX$1" "$2"
  else
    [ -f "$PVC_FOLDER/$1" ] || return 1
    cp "$PVC_FOLDER/$1" "$2"
  fi
}

storage_has() {
  if [ "$STORAGE" = s3 ]; then
    aws_cli s3api head-object --bucket "$S3_BUCKET" --key "$OBJECT_PREFIX$1" >/dev/null 2>&1
  else
    [ -f "$PVC_FOLDER/$1" ]
  fi
}

storage_remove() {
  if [ "$STORAGE" = s3 ]; then
    aws_cli s3 rm --only-show-errors "s3://$S3_BUCKET/$OBJECT_PREFIX$1"
  else
    rm -f "$PVC_FOLDER/$1"
  fi
}

# The keys under this backup's folder, one per line (the trailing "/" of the folder keeps
# backup "bk-1" from matching "bk-10").
s3_keys() {
  aws_cli s3api list-objects-v2 --bucket "$S3_BUCKET" --prefix "$OBJECT_PREFIX" \
    --query 'Contents[].Key' --output text | tr '\t' '\n' | grep -v -x -e '' -e None || true
}

storage_delete_all() {
  local count
  if [ "$STORAGE" = s3 ]; then
    count=$(s3_keys | grep -c . || true)
    if [ "$count" -gt 0 ]; then
      aws_cli s3 rm --only-show-errors --recursive "s3://$S3_BUCKET/$OBJECT_PREFIX" >&2
    fi
    [ "$(s3_keys | grep -c . || true)" = 0 ] || fail "objects are left under $TARGET_URL"
  else
    count=0
    if [ -d "$PVC_FOLDER" ]; then
      count=$(find "$PVC_FOLDER" -type f | wc -l | tr -d ' ')
      rm -rf "$PVC_FOLDER"
      # The store's folder goes too once its last backup has gone.
      rmdir "$(dirname "$PVC_FOLDER")" 2>/dev/null || true
    fi
  fi
  printf '%s' "$count"
}
