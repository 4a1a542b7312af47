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

{{/*
The WordPress image: with wordpress.version set, the tag is <version>-php<phpVersion>-apache
(the official image's naming); otherwise images.wordpress.tag. Returns "repository:tag[@digest]".
*/}}
{{- define "store.wordpressImage" -}}
{{- $image := deepCopy .Values.images.wordpress -}}
{{- with .Values.wordpress.version -}}
{{- $_ := set $image "tag" (printf "%s-php%s-apache" . $.Values.images.wordpress.phpVersion) -}}
{{- end -}}
{{- include "store.image" $image -}}
{{- end -}}

{{/* PHP minor version of the WordPress image ("8.3"), or "" when its tag does not say. */}}
{{- define "store.wordpressPhp" -}}
{{- if .Values.wordpress.version -}}
{{- .Values.images.wordpress.phpVersion -}}
{{- else -}}
{{- regexFind "[0-9]+\\.[0-9]+" (regexFind "-php[0-9]+\\.[0-9]+" .Values.images.wordpress.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The WP-CLI image of the setup Job, on the same PHP minor version as WordPress: a
"-php<x.y>" suffix of images.wpCli.tag is replaced by the WordPress image's PHP version.
*/}}
{{- define "store.wpCliImage" -}}
{{- $image := deepCopy .Values.images.wpCli -}}
{{- $php := include "store.wordpressPhp" . -}}
{{- if and $php (regexMatch "-php[0-9]+\\.[0-9]+$" $image.tag) -}}
{{- $_ := set $image "tag" (regexReplaceAll "-php[0-9]+\\.[0-9]+$" $image.tag (printf "-php%s" $php)) -}}
{{- end -}}
{{- include "store.image" $image -}}
{{- end -}}

{{/* Host names of the store: domain first, then extraDomains (duplicates dropped), one per line. */}}
{{- define "store.hosts" -}}
{{- prepend (.Values.extraDomains | default list) .Values.domain | uniq | join "\n" -}}
{{- end -}}

{{/* The Service the Ingress sends the store's hosts to: the maintenance page while suspended. */}}
{{- define "store.frontService" -}}
{{- if .Values.suspended -}}
{{- printf "%s-maintenance" (include "store.fullname" .) -}}
{{- else -}}
{{- printf "%s-wordpress" (include "store.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
The plugin list for the setup script: "slug" or "slug@version", separated by spaces
(slugs and versions are restricted by the schema to [a-z0-9.-]). Duplicate slugs fail.
*/}}
{{- define "store.pluginList" -}}
{{- $seen := dict -}}
{{- $out := list -}}
{{- range .Values.plugins -}}
{{- if hasKey $seen .slug -}}
{{- fail (printf "plugins: %q is listed twice" .slug) -}}
{{- end -}}
{{- $_ := set $seen .slug true -}}
{{- $out = append $out (ternary (printf "%s@%s" .slug (.version | default "")) .slug (not (empty .version))) -}}
{{- end -}}
{{- join " " $out -}}
{{- end -}}

{{/* A storage quantity ("5Gi", "500M", "1073741824") in bytes, as a float. */}}
{{- define "store.bytes" -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" (toString .) -}}
{{- $unit := trimPrefix $number (toString .) -}}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 -}}
{{- if not (hasKey $units $unit) -}}
{{- fail (printf "cannot read the storage quantity %q" (toString .)) -}}
{{- end -}}
{{- mulf (float64 $number) (get $units $unit) -}}
{{- end -}}

{{/*
Size of a claim of the release; call with (dict "ctx" $ "live" <claim or empty> "plan" "5Gi").
A new claim gets the plan's size. An existing one keeps its size, or, with volumeExpansion,
grows to a larger plan's size; it never shrinks (Kubernetes rejects that).
*/}}
{{- define "store.claimSize" -}}
{{- if not .live -}}
{{- .plan -}}
{{- else -}}
{{- $current := .live.spec.resources.requests.storage -}}
{{- if and .ctx.Values.volumeExpansion (gt (float64 (include "store.bytes" .plan)) (float64 (include "store.bytes" $current))) -}}
{{- .plan -}}
{{- else -}}
{{- $current -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The MySQL data claim: the name the StatefulSet's "data" template gives pod 0. */}}
{{- define "store.mysqlClaimName" -}}
{{- printf "data-%s-mysql-0" (include "store.fullname" .) -}}
{{- end -}}
