{{/* The maintenance ConfigMap's data: nginx's configuration and the page (maintenance.yaml). */}}
{{- define "store.maintenanceFiles" -}}
# Everything nginx writes goes to /tmp (the root filesystem is read-only). Port 8080 is the
# Service's (every path: 503); port 8081 only answers the kubelet's probes.
nginx.conf: |
  worker_processes 1;
  pid /tmp/nginx.pid;
  error_log stderr warn;
  events {
    worker_connections 256;
  }
  http {
    access_log /dev/stdout;
    client_body_temp_path /tmp/client_temp;
    proxy_temp_path /tmp/proxy_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;
    server_tokens off;
    types {
      text/html html;
    }
    default_type text/html;
    charset utf-8;

    server {
      listen 8080 default_server;
      root /etc/urumi/maintenance;
      add_header Retry-After "{{ int .Values.maintenance.retryAfterSeconds }}" always;
      add_header Cache-Control "no-store" always;
      # Any method, any path: 503 with the page (an error_page redirect turns POST into GET,
      # so the static page can answer it). The page's own path is internal: asked for
      # directly it is a 404, which becomes the same 503.
      error_page 503 /maintenance.html;
      error_page 404 =503 /maintenance.html;
      location / {
        return 503;
      }
      location = /maintenance.html {
        internal;
      }
    }
    # Probes only: not in the Service.
    server {
      listen 8081;
      location = /healthz {
        access_log off;
        default_type text/plain;
        return 200 "ok\n";
      }
      location / {
        return 404;
      }
    }
  }
maintenance.html: |
  <!doctype html>
  <html lang="en">
  <head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{{ .Values.storeName | html }} is temporarily unavailable</title>
  <style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #222; line-height: 1.5; }
  h1 { font-size: 1.6rem; }
  </style>
  </head>
  <body>
  <h1>{{ .Values.storeName | html }} is temporarily unavailable</h1>
  <p>This shop is paused at the moment. Please come back later.</p>
  </body>
  </html>
{{- end -}}
