# eddy server image.
#
#   docker build -t eddy .
#   docker run --rm -p 8088:8088 -e KAFKA=broker:9092 eddy
#
# Environment (all optional):
#   KAFKA                 bootstrap servers of an external Kafka cluster
#                         (host:port[,host:port...]); empty: eddy's embedded
#                         broker inside the container
#   SCHEMA_REGISTRY_URL   URL of an external Schema Registry
#                         (--schema-registry-url); empty: the embedded one
#   EDDY_LISTEN           REST API address (default 0.0.0.0:8088)
#   EDDY_DATA_DIR         data directory (default /var/lib/eddy, a volume)
# Arguments after the image name are appended to `eddy server`, e.g.
#   docker run eddy --service-id ratings_ --max-push-queries 20
# See docs/deploy.md.

# ---- build ------------------------------------------------------------------
FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a source change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# A static binary: the runtime image has no C library to link against.
# `docker build --build-arg VERSION=$(git describe --tags) --build-arg
# COMMIT=$(git rev-parse HEAD)` stamps what `eddy version` prints.
ARG VERSION=
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.buildVersion=${VERSION} -X main.buildCommit=${COMMIT}" -o /out/eddy ./cmd/eddy \
 && /out/eddy server --help >/dev/null 2>&1

# ---- run --------------------------------------------------------------------
# debian slim rather than distroless: the entrypoint needs a shell to expand
# $KAFKA, and bash's /dev/tcp serves the health check without curl.
FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/eddy --create-home eddy
COPY --from=build /out/eddy /usr/local/bin/eddy
ENV EDDY_LISTEN=0.0.0.0:8088 \
    EDDY_DATA_DIR=/var/lib/eddy \
    KAFKA="" \
    SCHEMA_REGISTRY_URL=""
USER eddy
WORKDIR /var/lib/eddy
VOLUME ["/var/lib/eddy"]
EXPOSE 8088
# exec: eddy runs as PID 1 and gets SIGTERM directly (graceful shutdown).
ENTRYPOINT ["/bin/sh", "-c", "exec eddy server --listen \"$EDDY_LISTEN\" --data-dir \"$EDDY_DATA_DIR\" ${KAFKA:+--bootstrap-servers \"$KAFKA\"} ${SCHEMA_REGISTRY_URL:+--schema-registry-url \"$SCHEMA_REGISTRY_URL\"} \"$@\"", "eddy"]
CMD []
# GET /healthcheck answers 200 with isHealthy false when Kafka is down, so
# the body is checked. Plain HTTP only (not with --tls-cert).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${EDDY_LISTEN##*:} && printf 'GET /healthcheck HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"isHealthy\":true' <&3"]
