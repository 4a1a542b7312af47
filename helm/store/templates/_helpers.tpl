{{/*
Base name of every object. One release per namespace, so the release name is enough; it is
cut to 40 characters so that "<name>-wordpress" and the StatefulSet's revision-hash label of
"<name>-mysql" stay within Kubernetes' 63-character limits.
*/}}
{{- define "store.fullname" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The selected plan's sizes. `plan` is required and checked by the schema. */}}
{{- define "store.plan" -}}
{{- $plan := index .Values.plans .Values.plan -}}
{{- if not $plan -}}
{{- fail (printf "plan %q has no entry under plans" .Values.plan) -}}
{{- end -}}
{{- toYaml $plan -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "store.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: urumi
{{- with .Values.storeId }}
urumi.io/store-id: {{ . | quote }}
{{- end }}
urumi.io/plan: {{ .Values.plan | quote }}
{{- end -}}

{{/* Labels of one component; call with (dict "ctx" $ "component" "mysql"). */}}
{{- define "store.componentLabels" -}}
{{ include "store.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Selector labels of one component: stable across upgrades (no version, no plan). */}}
{{- define "store.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* "repository:tag" or "repository:tag@digest"; call with an entry of .Values.images. */}}
{{- define "store.image" -}}
{{- if .digest -}}
{{- printf "%s:%s@%s" .repository .tag .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{- define "store.secretName" -}}
{{- printf "%s-credentials" (include "store.fullname" .) -}}
{{- end -}}

{{- define "store.mysqlHost" -}}
{{- printf "%s-mysql" (include "store.fullname" .) -}}
{{- end -}}

{{- define "store.siteUrl" -}}
{{- printf "%s://%s" .Values.wordpress.urlScheme .Values.domain -}}
{{- end -}}

{{/* Container security context shared by every container: nothing beyond the image's user. */}}
{{- define "store.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: {{ .readOnlyRootFilesystem }}
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Environment shared by WordPress and the setup Job: wp-config-docker.php (shipped in the
wordpress image) reads these, and each *_FILE variant reads a file from the mounted Secret,
so no secret is ever put in an environment variable.
*/}}
{{- define "store.wordpressEnv" -}}
- name: WORDPRESS_DB_HOST
  value: {{ include "store.mysqlHost" . | quote }}
- name: WORDPRESS_DB_NAME
  value: {{ .Values.mysql.database | quote }}
- name: WORDPRESS_DB_USER
  value: {{ .Values.mysql.user | quote }}
- name: WORDPRESS_DB_PASSWORD_FILE
  value: /etc/urumi/secrets/mysql-password
{{- range list "AUTH_KEY" "SECURE_AUTH_KEY" "LOGGED_IN_KEY" "NONCE_KEY" "AUTH_SALT" "SECURE_AUTH_SALT" "LOGGED_IN_SALT" "NONCE_SALT" }}
- name: WORDPRESS_{{ . }}_FILE
  value: /etc/urumi/secrets/wordpress-{{ . | lower | replace "_" "-" }}
{{- end }}
{{- if .Values.wordpress.debug }}
- name: WORDPRESS_DEBUG
  value: "1"
{{- end }}
- name: WORDPRESS_CONFIG_EXTRA
  value: |
    define( 'WP_HOME', {{ include "store.siteUrl" . | squote }} );
    define( 'WP_SITEURL', {{ include "store.siteUrl" . | squote }} );
    define( 'FS_METHOD', 'direct' );
    define( 'DISALLOW_FILE_EDIT', true );
    define( 'WP_AUTO_UPDATE_CORE', false );
    define( 'WP_DEBUG_DISPLAY', false );
{{- end -}}

{{/* Secret keys the WordPress container and the setup Job read. */}}
{{- define "store.wordpressSecretItems" -}}
- key: mysql-password
  path: mysql-password
{{- range list "auth-key" "secure-auth-key" "logged-in-key" "nonce-key" "auth-salt" "secure-auth-salt" "logged-in-salt" "nonce-salt" }}
- key: wordpress-{{ . }}
  path: wordpress-{{ . }}
{{- end }}
{{- end -}}

{{/* Egress to public addresses; call with .Values.networkPolicy.internet. */}}
{{- define "store.internetEgress" -}}
- to:
    - ipBlock:
        cidr: {{ .cidr }}
        {{- with .except }}
        except:
          {{- toYaml . | nindent 10 }}
        {{- end }}
  ports:
    {{- range .ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- end -}}
