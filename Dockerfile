# The dockguard scanner image.
#
#   docker build -t dockguard .
#   docker run --rm --pid host --userns host -v /:/host:ro \
#     -v /var/run/docker.sock:/var/run/docker.sock:ro dockguard scan
#
# The host's / is read read-only under /host (DOCKGUARD_ROOT), the Engine API through the socket, and the
# host's processes through --pid host. dockguard recognises the container it runs in and does not assess it.
# Any `dockguard` arguments follow the image name (`dockguard scan -f json`, `dockguard collect -o -`).

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p dockguard

# The scanner stage. The test suite builds these same instructions FROM scratch around the locally built
# binary and the shared libraries it needs (crates/cli/tests/scanner_image.rs).
FROM gcr.io/distroless/cc-debian12
COPY --from=build /src/target/release/dockguard /usr/local/bin/dockguard
ENV DOCKGUARD_ROOT=/host
LABEL org.opencontainers.image.title="dockguard" \
      org.opencontainers.image.description="Assesses a Docker host against the CIS Docker Benchmark and the Azure Docker security baseline" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/usr/local/bin/dockguard"]
CMD ["scan"]
