# syntax=docker/dockerfile:1
# Urumi: build with the Swift toolchain image, run on a slim Debian with libpq, the SQL
# migrations, the store chart and the helm CLI. Not buildable on the development machines
# (no Docker engine there); the layout it produces is what `urumi` looks for:
#   /usr/local/bin/urumi, /usr/local/bin/urumi_HTTPAPI.resources (dashboard),
#   /usr/local/share/urumi/schema, /usr/local/share/urumi/helm/store

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer so source edits don't refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources Sources
RUN swift build -c release --product urumi --static-swift-stdlib \
 && bin="$(swift build -c release --show-bin-path)" \
 && mkdir -p /out/bin \
 && cp "$bin/urumi" /out/bin/ \
 && cp -R "$bin/urumi_HTTPAPI.resources" /out/bin/

FROM ${RUNTIME_IMAGE} AS helm
ARG HELM_VERSION=v3.16.4
ARG TARGETARCH=amd64
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && curl -fsSLo /tmp/helm.tgz.sha256sum "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" \
 && echo "$(cut -d' ' -f1 /tmp/helm.tgz.sha256sum)  /tmp/helm.tgz" | sha256sum -c - \
 && tar -xzf /tmp/helm.tgz -C /tmp \
 && mv "/tmp/linux-${TARGETARCH}/helm" /usr/local/bin/helm

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin urumi
COPY --from=build /out/bin/ /usr/local/bin/
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm
COPY schema /usr/local/share/urumi/schema
COPY helm /usr/local/share/urumi/helm
USER 10001:10001
ENV HOME=/tmp
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["/usr/local/bin/urumi"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
