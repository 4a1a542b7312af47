{{/*
The backup Job (README "Backups"): one pod template for the three modes. Every container runs
`run.sh STEP` from the <fullname>-backup ConfigMap and does STEP's part of URUMI_BACKUP_MODE
or nothing, in this order: fetch, dump, archive, import, unpack, store, core (init
containers), finish (the container whose termination message is the result). Each step runs
in the image that has its tools: the store's own MySQL image for the database (its client
matches the server), the WordPress image for wp-content and core (GNU tar), WP-CLI for the
rewrite and `wp wc update`, the aws CLI for the bucket (WP-CLI's image, which has a shell and
sha256sum, for the PVC target).
*/}}

{{/* "s3" or "pvc". */}}
{{- define "store.backupTarget" -}}
{{- ternary "s3" "pvc" (not (empty .Values.backup.s3.bucket)) -}}
{{- end -}}

{{/* The TCP port of backup.s3.endpoint (443 without one: AWS's own endpoints). */}}
{{- define "store.backupS3Port" -}}
{{- $endpoint := .Values.backup.s3.endpoint -}}
{{- if not $endpoint -}}
443
{{- else -}}
{{- $url := urlParse $endpoint -}}
{{- $port := regexFind ":[0-9]+$" $url.host | trimPrefix ":" -}}
{{- $port | default (ternary "80" "443" (eq $url.scheme "http")) -}}
{{- end -}}
{{- end -}}

{{/* The environment of every container: Urumi's contract variables with defaults (Urumi
replaces them by name), then where things are. */}}
{{- define "store.backupEnv" -}}
- name: URUMI_BACKUP_MODE
  value: backup
- name: URUMI_BACKUP_ID
  value: ""
- name: URUMI_BACKUP_STORE
  value: {{ .Values.storeId | default .Release.Name | quote }}
- name: URUMI_CHART_REVISION
  value: {{ .Release.Revision | quote }}
- name: URUMI_WORDPRESS_VERSION
  value: {{ .Values.wordpress.version | default .Chart.AppVersion | quote }}
- name: URUMI_WOOCOMMERCE_VERSION
  value: {{ .Values.woocommerce.version | quote }}
- name: URUMI_SCRUB
  value: "false"
- name: URUMI_URL_FROM
  value: ""
- name: URUMI_URL_TO
  value: ""
- name: URUMI_RESET_ADMIN
  value: "false"
- name: ADMIN_USER_FILE
  value: /etc/urumi/secrets/wordpress-admin-user
- name: ADMIN_PASSWORD_FILE
  value: /etc/urumi/secrets/wordpress-admin-password
- name: ADMIN_EMAIL
  value: {{ .Values.adminEmail | quote }}
- name: URUMI_BACKUP_MANIFEST
  value: ""
- name: HOME
  value: /tmp
- name: BACKUP_SCRIPTS
  value: /opt/urumi/backup
- name: BACKUP_SCRATCH
  value: /scratch
- name: BACKUP_WP_CONTENT
  value: /var/www/html/wp-content
- name: WP_PATH
  value: /var/www/html
- name: DB_HOST
  value: {{ include "store.mysqlHost" . | quote }}
- name: DB_PORT
  value: "3306"
- name: DB_NAME
  value: {{ .Values.mysql.database | quote }}
- name: DB_USER
  value: {{ .Values.mysql.user | quote }}
- name: DB_PASSWORD_FILE
  value: /etc/urumi/secrets/mysql-password
{{- if eq (include "store.backupTarget" .) "s3" }}
- name: S3_ENDPOINT
  value: {{ .Values.backup.s3.endpoint | quote }}
- name: S3_REGION
  value: {{ .Values.backup.s3.region | quote }}
- name: S3_BUCKET
  value: {{ .Values.backup.s3.bucket | quote }}
- name: S3_PREFIX
  value: {{ .Values.backup.s3.prefix | quote }}
- name: S3_PATH_STYLE
  value: {{ .Values.backup.s3.pathStyle | quote }}
- name: S3_CREDENTIALS_DIR
  value: /etc/urumi/s3
{{- else }}
- name: BACKUP_PVC_DIR
  value: /backups
- name: BACKUP_PVC_CLAIM
  value: {{ printf "%s-backups" (include "store.fullname" .) | quote }}
{{- end }}
{{- end -}}

{{/* One step's container; call with (dict "ctx" $ "step" "dump" "image" "..." "pullPolicy"
"IfNotPresent" "mounts" (list "wp-content-ro" ...) "wordpressEnv" false). */}}
{{- define "store.backupContainer" -}}
{{- $ctx := .ctx -}}
- name: {{ .step }}
  image: {{ .image | quote }}
  imagePullPolicy: {{ .pullPolicy }}
  command: ["/bin/bash", "/opt/urumi/backup/run.sh", {{ .step | quote }}]
  # run.sh writes the result (finish) or a one-line reason (any step) to the termination
  # message; the log's tail only if it could not.
  terminationMessagePolicy: FallbackToLogsOnError
  env:
    {{- include "store.backupEnv" $ctx | nindent 4 }}
    {{- if .wordpressEnv }}
    {{- include "store.wordpressEnv" $ctx | nindent 4 }}
    {{- end }}
  resources:
    {{- toYaml $ctx.Values.backup.resources | nindent 4 }}
  securityContext:
    {{- include "store.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 4 }}
  volumeMounts:
    - name: scripts
      mountPath: /opt/urumi/backup
      readOnly: true
    - name: scratch
      mountPath: /scratch
    - name: tmp
      mountPath: /tmp
    {{- range .mounts }}
    {{- if eq . "secrets" }}
    - name: secrets
      mountPath: /etc/urumi/secrets
      readOnly: true
    {{- else if eq . "wp-content-ro" }}
    - name: wp-content
      mountPath: /var/www/html/wp-content
      readOnly: true
    {{- else if eq . "wp-content" }}
    - name: wp-content
      mountPath: /var/www/html/wp-content
    {{- else if eq . "docroot" }}
    - name: docroot
      mountPath: /var/www/html
    {{- else if eq . "target" }}
    {{- if eq (include "store.backupTarget" $ctx) "s3" }}
    - name: s3-credentials
      mountPath: /etc/urumi/s3
      readOnly: true
    {{- else }}
    - name: backups
      mountPath: /backups
    {{- end }}
    {{- end }}
    {{- end }}
{{- end -}}

{{/* The Job's spec (the CronJob's jobTemplate.spec). */}}
{{- define "store.backupJobSpec" -}}
{{- $fullname := include "store.fullname" . -}}
{{- $s3 := eq (include "store.backupTarget" .) "s3" -}}
{{- $wordpress := include "store.wordpressImage" . -}}
{{- $wpcli := include "store.wpCliImage" . -}}
{{- $mysql := include "store.image" .Values.images.mysql -}}
{{- $storage := ternary (include "store.image" .Values.backup.images.awsCli) $wpcli $s3 -}}
{{- $storagePull := ternary .Values.backup.images.awsCli.pullPolicy .Values.images.wpCli.pullPolicy $s3 -}}
backoffLimit: {{ int .Values.backup.backoffLimit }}
activeDeadlineSeconds: {{ int .Values.backup.activeDeadlineSeconds }}
ttlSecondsAfterFinished: {{ int .Values.backup.ttlSecondsAfterFinished }}
podFailurePolicy:
  rules:
    # run.sh exits 3 for what no retry changes (bad inputs, a backup that does not match its
    # manifest): the Job fails at once, with that container's reason.
    - action: FailJob
      onExitCodes:
        operator: In
        values: [3]
    # A drained node or a preempted pod is no reason to use up a retry.
    - action: Ignore
      onPodConditions:
        - type: DisruptionTarget
          status: "True"
template:
  metadata:
    labels:
      {{- include "store.componentLabels" (dict "ctx" . "component" "backup") | nindent 6 }}
    annotations:
      checksum/scripts: {{ include (print $.Template.BasePath "/backup-configmap.yaml") . | sha256sum }}
  spec:
    restartPolicy: Never
    serviceAccountName: {{ $fullname }}
    automountServiceAccountToken: false
    enableServiceLinks: false
    {{- with .Values.images.pullSecrets }}
    imagePullSecrets:
      {{- range . }}
      - name: {{ . | quote }}
      {{- end }}
    {{- end }}
    # www-data (33), the owner of wp-content, in every container.
    securityContext:
      runAsUser: 33
      runAsGroup: 33
      runAsNonRoot: true
      fsGroup: 33
      fsGroupChangePolicy: OnRootMismatch
      seccompProfile:
        type: RuntimeDefault
    # wp-content is ReadWriteOnce: run on the WordPress pod's node when there is one (a
    # suspended store has none, so this is a preference, not a requirement).
    affinity:
      podAffinity:
        preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels:
                  {{- include "store.selectorLabels" (dict "ctx" . "component" "wordpress") | nindent 18 }}
              topologyKey: kubernetes.io/hostname
    initContainers:
      {{- include "store.backupContainer" (dict "ctx" . "step" "fetch" "image" $storage "pullPolicy" $storagePull "mounts" (list "target")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "dump" "image" $mysql "pullPolicy" .Values.images.mysql.pullPolicy "mounts" (list "secrets")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "archive" "image" $wordpress "pullPolicy" .Values.images.wordpress.pullPolicy "mounts" (list "docroot" "wp-content-ro")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "import" "image" $mysql "pullPolicy" .Values.images.mysql.pullPolicy "mounts" (list "secrets")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "unpack" "image" $wordpress "pullPolicy" .Values.images.wordpress.pullPolicy "mounts" (list "docroot" "wp-content")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "store" "image" $storage "pullPolicy" $storagePull "mounts" (list "target")) | nindent 6 }}
      {{- include "store.backupContainer" (dict "ctx" . "step" "core" "image" $wordpress "pullPolicy" .Values.images.wordpress.pullPolicy "mounts" (list "docroot")) | nindent 6 }}
    containers:
      {{- include "store.backupContainer" (dict "ctx" . "step" "finish" "image" $wpcli "pullPolicy" .Values.images.wpCli.pullPolicy "mounts" (list "docroot" "wp-content" "secrets") "wordpressEnv" true) | nindent 6 }}
    volumes:
      - name: scripts
        configMap:
          name: {{ $fullname }}-backup
          defaultMode: 0444
      # The dump and the archive (both directions); sized by backup.scratchSize.
      - name: scratch
        emptyDir:
          sizeLimit: {{ .Values.backup.scratchSize | quote }}
      - name: tmp
        emptyDir:
          sizeLimit: 1Gi
      - name: docroot
        emptyDir:
          sizeLimit: 512Mi
      - name: wp-content
        persistentVolumeClaim:
          claimName: {{ $fullname }}-wordpress
      - name: secrets
        secret:
          secretName: {{ include "store.secretName" . }}
          defaultMode: 0440
          items:
            {{- include "store.wordpressSecretItems" . | nindent 12 }}
            # A clone's restore sets this store's own admin login (the source's came with
            # the database).
            - key: wordpress-admin-user
              path: wordpress-admin-user
            - key: wordpress-admin-password
              path: wordpress-admin-password
      {{- if $s3 }}
      - name: s3-credentials
        secret:
          secretName: {{ .Values.backup.s3.credentialsSecret | quote }}
          defaultMode: 0440
      {{- else }}
      - name: backups
        persistentVolumeClaim:
          claimName: {{ $fullname }}-backups
      {{- end }}
{{- end -}}
