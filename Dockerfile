# syntax=docker/dockerfile:1
# tradu container image: `docker build -t tradu .` from the repository root.
# Build stage: the official Swift 6.1 image on Debian bookworm, with the C libraries tradu links against.
FROM swift:6.1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libyaml-dev libpq-dev libcurl4-openssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The build folder is a cache mount, so the binary is copied out of it in the same step.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product tradu \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/tradu" /out/tradu

# Run stage: a slim Debian with the runtime libraries only.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libyaml-0-2 libpq5 libcurl4 ca-certificates libstdc++6 tzdata \
    && rm -rf /var/lib/apt/lists/*
# The Swift runtime (stdlib, Foundation, Dispatch, ICU data) from the toolchain that built the binary.
COPY --from=build /usr/lib/swift/linux/*.so /usr/lib/swift/linux/
RUN echo /usr/lib/swift/linux > /etc/ld.so.conf.d/swift.conf && ldconfig
COPY --from=build /out/tradu /usr/local/bin/tradu
RUN groupadd --system --gid 10001 tradu \
    && useradd --system --uid 10001 --gid tradu --home-dir /srv/tradu --shell /usr/sbin/nologin tradu \
    && mkdir -p /srv/tradu/out \
    && chown -R tradu:tradu /srv/tradu
USER tradu:tradu
WORKDIR /srv/tradu
# Manifests are mounted at /srv/tradu/manifests (the default `-f manifests`); results go to /srv/tradu/out.
ENV TRADU_HOME=/srv/tradu/.tradu
EXPOSE 9464
ENTRYPOINT ["tradu"]
CMD ["--help"]
