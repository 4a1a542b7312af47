{{/*
The setup Job's spec, its name and the hash in the name. The Job is a plain object of the
release (no Helm hook), so `helm upgrade --install` returns as soon as it is applied; Urumi
watches it (README "How Urumi waits").

A Job's pod template is immutable, so the name carries a hash of everything the Job is made
of: this rendered spec (pod template with images, environment built from storeName,
adminEmail, domain, store.*, sampleProduct.*, woocommerce.version, plugins, images
(wordpress.version), setupJob.*, plan
resources and labels, chart version) and the rendered setup ConfigMap (the scripts). Inputs
changed: a new name, so Helm creates the new Job and deletes the old one, which left the
manifest. Inputs unchanged: the same name and the same spec, so Helm leaves the finished Job
alone. Nothing that differs between install and upgrade (revision, lookup results, random
passwords) may go into the spec, or every upgrade would rerun the setup.
*/}}

{{/* The Job's spec (everything under `spec:`). */}}
{{- define "store.setupJobSpec" -}}
{{- /* Numbers go through `int`: Helm reads values as floats and prints 1000000 as 1e+06. */}}
{{- $plan := include "store.plan" . | fromYaml }}
{{- $fullname := include "store.fullname" . -}}
backoffLimit: {{ int .Values.setupJob.backoffLimit }}
activeDeadlineSeconds: {{ int .Values.setupJob.activeDeadlineSeconds }}
{{- if not (kindIs "invalid" .Values.setupJob.ttlSecondsAfterFinished) }}
ttlSecondsAfterFinished: {{ int .Values.setupJob.ttlSecondsAfterFinished }}
{{- end }}
template:
  metadata:
    labels:
      {{- include "store.componentLabels" (dict "ctx" . "component" "setup") | nindent 6 }}
    annotations:
      checksum/scripts: {{ include (print $.Template.BasePath "/setup-configmap.yaml") . | sha256sum }}
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
    # www-data (33), the user that owns wp-content in the WordPress pod.
    securityContext:
      runAsUser: 33
      runAsGroup: 33
      runAsNonRoot: true
      fsGroup: 33
      fsGroupChangePolicy: OnRootMismatch
      seccompProfile:
        type: RuntimeDefault
    # wp-content is a ReadWriteOnce volume: share the node of the WordPress pod that has it.
    affinity:
      podAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector:
              matchLabels:
                {{- include "store.selectorLabels" (dict "ctx" . "component" "wordpress") | nindent 16 }}
            topologyKey: kubernetes.io/hostname
    initContainers:
      # WP-CLI needs the same WordPress core as the site: copy it from the WordPress image
      # (without wp-content, which the WordPress pod owns) and use the image's
      # environment-driven wp-config.php.
      - name: wordpress-core
        image: {{ include "store.wordpressImage" . | quote }}
        imagePullPolicy: {{ .Values.images.wordpress.pullPolicy }}
        terminationMessagePolicy: FallbackToLogsOnError
        command:
          - /bin/sh
          - -ec
          - |
            cd /usr/src/wordpress
            tar --create --file - --exclude ./wp-content . | tar --extract --file - --directory /var/www/html
            cp wp-config-docker.php /var/www/html/wp-config.php
            echo "WordPress core copied: $(sed -n "s/^\$wp_version = '\(.*\)';/\1/p" wp-includes/version.php)"
        resources:
          {{- toYaml $plan.setup.resources | nindent 10 }}
        securityContext:
          {{- include "store.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 10 }}
        volumeMounts:
          - name: docroot
            mountPath: /var/www/html
    containers:
      - name: setup
        image: {{ include "store.wpCliImage" . | quote }}
        imagePullPolicy: {{ .Values.images.wpCli.pullPolicy }}
        # A failed attempt's last log lines (the script's "ERROR: ..." line) become the
        # container's termination message, which Urumi shows as the reason.
        terminationMessagePolicy: FallbackToLogsOnError
        command: ["/bin/sh", "/opt/urumi/setup/setup.sh"]
        env:
          {{- include "store.wordpressEnv" . | nindent 10 }}
          - name: HOME
            value: /tmp
          - name: WP_CLI_CACHE_DIR
            value: /tmp/wp-cli-cache
          - name: SCRIPTS_DIR
            value: /opt/urumi/setup
          - name: SITE_URL
            value: {{ include "store.siteUrl" . | quote }}
          - name: WORDPRESS_SERVICE_URL
            value: {{ printf "http://%s-wordpress" $fullname | quote }}
          - name: WAIT_SECONDS
            value: {{ int .Values.setupJob.waitSeconds | quote }}
          - name: STORE_NAME
            value: {{ .Values.storeName | quote }}
          - name: ADMIN_USER_FILE
            value: /etc/urumi/secrets/wordpress-admin-user
          - name: ADMIN_EMAIL
            value: {{ .Values.adminEmail | quote }}
          - name: ADMIN_PASSWORD_FILE
            value: /etc/urumi/secrets/wordpress-admin-password
          - name: WOO_VERSION
            value: {{ .Values.woocommerce.version | quote }}
          # "slug" or "slug@version", space-separated (see store.pluginList).
          - name: PLUGINS
            value: {{ include "store.pluginList" . | quote }}
          - name: STORE_COUNTRY
            value: {{ .Values.store.country | quote }}
          - name: STORE_CURRENCY
            value: {{ .Values.store.currency | quote }}
          - name: STORE_ADDRESS
            value: {{ .Values.store.address | quote }}
          - name: STORE_CITY
            value: {{ .Values.store.city | quote }}
          - name: STORE_POSTCODE
            value: {{ .Values.store.postcode | quote }}
          - name: PRODUCT_NAME
            value: {{ .Values.sampleProduct.name | quote }}
          - name: PRODUCT_SKU
            value: {{ .Values.sampleProduct.sku | quote }}
          - name: PRODUCT_PRICE
            value: {{ .Values.sampleProduct.regularPrice | quote }}
          - name: PRODUCT_STOCK
            value: {{ int .Values.sampleProduct.stockQuantity | quote }}
          - name: PRODUCT_DESCRIPTION
            value: {{ .Values.sampleProduct.description | quote }}
        resources:
          {{- toYaml $plan.setup.resources | nindent 10 }}
        securityContext:
          {{- include "store.containerSecurityContext" (dict "readOnlyRootFilesystem" true) | nindent 10 }}
        volumeMounts:
          - name: docroot
            mountPath: /var/www/html
          - name: wp-content
            mountPath: /var/www/html/wp-content
          - name: tmp
            mountPath: /tmp
          - name: scripts
            mountPath: /opt/urumi/setup
            readOnly: true
          - name: secrets
            mountPath: /etc/urumi/secrets
            readOnly: true
    volumes:
      - name: docroot
        emptyDir:
          sizeLimit: 512Mi
      - name: wp-content
        persistentVolumeClaim:
          claimName: {{ $fullname }}-wordpress
      - name: tmp
        emptyDir:
          sizeLimit: 1Gi
      - name: scripts
        configMap:
          name: {{ $fullname }}-setup
          defaultMode: 0444
      - name: secrets
        secret:
          secretName: {{ include "store.secretName" . }}
          defaultMode: 0440
          items:
            {{- include "store.wordpressSecretItems" . | nindent 12 }}
            - key: wordpress-admin-user
              path: wordpress-admin-user
            - key: wordpress-admin-password
              path: wordpress-admin-password
{{- end -}}

{{/* First 8 hex digits of the SHA-256 of the Job spec and the setup ConfigMap. */}}
{{- define "store.setupHash" -}}
{{- $spec := include "store.setupJobSpec" . -}}
{{- $scripts := include (print .Template.BasePath "/setup-configmap.yaml") . -}}
{{- printf "%s\n---\n%s" $spec $scripts | sha256sum | trunc 8 -}}
{{- end -}}

{{/* <fullname>-setup-<hash>: at most 40 + 7 + 8 = 55 characters (Job names become labels). */}}
{{- define "store.setupJobName" -}}
{{- printf "%s-setup-%s" (include "store.fullname" .) (include "store.setupHash" .) -}}
{{- end -}}
