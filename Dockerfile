# syntax=docker/dockerfile:1
# spanel in a container: a build stage with the Rust toolchain, a small runtime stage without it.
#   docker build -t spanel .
#   docker run -p 127.0.0.1:8080:8080 -v spanel-data:/var/lib/spanel spanel
# docker-compose.yml runs it with MariaDB and Redis.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# jemalloc (the allocator) is built from C with make.
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY crates ./crates
COPY src ./src
COPY web ./web
COPY templates ./templates
RUN cargo build --release --locked \
 && strip --strip-all target/release/spanel

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/spanel --shell /usr/sbin/nologin spanel \
 && install -d -o spanel -g spanel -m 750 /var/lib/spanel
COPY --from=build /src/target/release/spanel /usr/bin/spanel
COPY spanel.example.toml /etc/spanel/spanel.toml
ENV SPANEL_CONFIG=/etc/spanel/spanel.toml \
    SPANEL_LISTEN=0.0.0.0:8080 \
    SPANEL_DATABASE_URL=sqlite:///var/lib/spanel/spanel.db
USER spanel
WORKDIR /var/lib/spanel
VOLUME ["/var/lib/spanel"]
EXPOSE 8080
# The image has no curl: spanel asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/bin/spanel", "healthcheck"]
ENTRYPOINT ["/usr/bin/spanel"]
CMD ["serve"]
