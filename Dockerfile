# syntax=docker/dockerfile:1
# Build: docker build -t ospofeed --build-arg VERSION=$(git describe --always) .
# Run:   docker run -p 8080:8080 -v ospofeed-data:/data ospofeed
# Cron:  docker run --rm -v ospofeed-data:/data -v /srv/www:/out ospofeed crawl --out /out/site

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Static binary; tzdata embedded so cron schedules work in UTC without the
# image's zoneinfo.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION}" -o /out/ospofeed ./cmd/ospofeed \
 && mkdir -p /out/data

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ospofeed /usr/local/bin/ospofeed
COPY --from=build --chown=65534:65534 /out/data /data
USER 65534:65534
ENV OSPOFEED_DB=/data/ospofeed.db \
    OSPOFEED_ADDR=:8080 \
    OSPOFEED_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s \
  CMD ["/usr/local/bin/ospofeed", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ospofeed"]
CMD ["serve"]
