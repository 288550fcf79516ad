# syntax=docker/dockerfile:1
# Build: docker build -t ospofeed --build-arg VERSION=$(git describe --always) .
# Run:   docker run -d -p 8080:8080 -v ospofeed-data:/data --stop-timeout 30 ospofeed
# Cron:  docker run --rm -v ospofeed-data:/data -v /srv/www/ospofeed:/out ospofeed crawl --out /out
# (podman: the same commands.) deploy/ has compose, Kubernetes and systemd
# recipes; deploy/image_test.go builds and runs this file.

# The build stage leaves everything the image needs under /out/rootfs (the
# files of the image, as they will lie there) and /out/data (the volume).
# deploy/image_test.go stands in for this stage with the same layout
# (podman build --build-context build=DIR): keep the paths as they are.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# A static binary (no libc in the image); time zone data embedded too, so
# that a copied binary needs nothing beside it.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/rootfs/ospofeed ./cmd/ospofeed \
 && mkdir -p /out/rootfs/etc/ssl/certs /out/rootfs/usr/share /out/data \
 && cp /etc/ssl/certs/ca-certificates.crt /out/rootfs/etc/ssl/certs/ \
 && cp "$(go env GOROOT)/lib/time/zoneinfo.zip" /out/rootfs/usr/share/zoneinfo.zip \
 && cp deploy/image/passwd deploy/image/group /out/rootfs/etc/

# Nothing to pull: no distribution, no shell, no package manager. The CA
# certificates (the crawler's HTTPS), the time zone database (ZONEINFO, for
# CRON_TZ= schedules), a passwd entry for the user, and /data owned by it.
FROM scratch
COPY --from=build /out/rootfs/ /
COPY --from=build --chown=65532:65532 /out/data/ /data/
ENV OSPOFEED_DB=/data/ospofeed.db \
    OSPOFEED_ADDR=:8080 \
    OSPOFEED_LOG_FORMAT=json \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    ZONEINFO=/usr/share/zoneinfo.zip
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 \
  CMD ["/ospofeed", "healthcheck"]
ENTRYPOINT ["/ospofeed"]
CMD ["serve"]
