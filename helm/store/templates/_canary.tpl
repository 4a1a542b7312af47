{{/*
Environment shared by the order canary's containers (canary-cronjob.yaml). The canary
customer's e-mail is the marker of canary orders: the cleanup cancels and deletes only orders
with it (on the reserved .invalid domain, so no mail reaches anyone). CANARY_JOB_NAME is the
run's id when Urumi sets no URUMI_CANARY_ID.
*/}}
{{- define "store.canaryEmail" -}}
urumi-canary@canary.urumi.invalid
{{- end -}}

{{/* Whether the order canary is rendered: on, and the store not suspended. */}}
{{- define "store.canaryOn" -}}
{{- if and .Values.canary.enabled (not .Values.suspended) }}true{{ end -}}
{{- end -}}

{{- define "store.canaryEnv" -}}
- name: CANARY_EMAIL
  value: {{ include "store.canaryEmail" . | quote }}
- name: CANARY_WORK_DIR
  value: /work
- name: CANARY_SCRIPTS_DIR
  value: /opt/urumi/canary
- name: CANARY_JOB_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.labels['batch.kubernetes.io/job-name']
{{- end -}}
