# syntax=docker/dockerfile:1
# eksflow's one image: the worker and the API, compiled to JavaScript by `npm run build`
# (scripts/build.ts: dist/worker.js, dist/api.js and the prebuilt workflow bundle), run by
# plain node 24. docker-compose.yml picks the program per service with `command`; on its own
# the image serves the API.
#
#   docker build -t eksflow:0.1.0 .
#
# The worker calls helm (v4, add-on charts) and skopeo (image imports); both are in the image
# and HELM_PATH / SKOPEO_PATH point at them.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---- npm dependencies: production only, from the lockfile ----
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- the build: every dependency, then dist/ from the sources ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json worker.ts ./
COPY src ./src
COPY scripts/build.ts ./scripts/build.ts
RUN npm run build

# ---- helm: the release tarball, unpacked only once its SHA-256 matches ----
FROM ${NODE_IMAGE} AS helm
# HELM_VERSION must equal tools/versions.env (test/deploy/compose.test.ts checks it). The
# checksums are the ones published beside each tarball (get.helm.sh/<tarball>.sha256sum); bump
# them with the version, or pass --build-arg HELM_SHA256_<ARCH>=... when building another one.
ARG HELM_VERSION=v4.2.4
ARG HELM_SHA256_AMD64=c306b46f719b0a4da32d0f78ee21bf90ce8d602f15b22ab753f0674d1670a7f3
ARG HELM_SHA256_ARM64=564de2191b881e9f71b5606b25345821ea1682f06ab90499d3ab22b530176da1
# Set by BuildKit to the platform being built; the classic builder leaves it empty (amd64).
ARG TARGETARCH
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
RUN set -eu; \
    arch="${TARGETARCH:-amd64}"; \
    case "$arch" in \
      amd64) sha256="$HELM_SHA256_AMD64" ;; \
      arm64) sha256="$HELM_SHA256_ARM64" ;; \
      *) echo "no helm checksum for $arch: pass --build-arg HELM_SHA256_AMD64 or _ARM64" >&2; exit 1 ;; \
    esac; \
    tarball="helm-${HELM_VERSION}-linux-${arch}.tar.gz"; \
    curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --output "/tmp/$tarball" "https://get.helm.sh/$tarball"; \
    echo "$sha256  /tmp/$tarball" | sha256sum --check --strict -; \
    tar -xzf "/tmp/$tarball" -C /tmp; \
    install -m 0755 "/tmp/linux-$arch/helm" /usr/local/bin/helm; \
    test "$(/usr/local/bin/helm version --template '{{.Version}}')" = "$HELM_VERSION"

# ---- the runtime: Node, helm, skopeo and the compiled programs, as an unprivileged user ----
FROM ${NODE_IMAGE}
# skopeo and buildah from Debian (their dependencies bring containers-common and the libraries
# they link), git for build contexts from a repository; CA certificates for the registries, AWS
# and the clusters the worker talks to. buildah builds with vfs storage and chroot isolation, so
# a Dockerfile of FROM/COPY needs no runtime; RUN steps need user namespaces in the container.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates skopeo buildah git \
 && rm -rf /var/lib/apt/lists/* \
 && skopeo --version && buildah --version
# uid/gid 10001: outside the range of host users, so a mounted file is never readable by
# accident; helm keeps its cache and repository config under the home directory.
RUN groupadd --system --gid 10001 eksflow \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/eksflow --create-home --shell /usr/sbin/nologin eksflow \
 && echo 'eksflow:100000:65536' >> /etc/subuid && echo 'eksflow:100000:65536' >> /etc/subgid \
 && mkdir -p /var/lib/eksflow/build-contexts && chown -R 10001:10001 /var/lib/eksflow
# (subordinate ids: buildah's rootless user namespace; the build-contexts directory: the
# compose volume mounted there starts out owned by the app's user.)
COPY --from=helm /usr/local/bin/helm /usr/local/bin/helm

WORKDIR /app
# Owned by root and read-only to the app: the code cannot change itself.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=build /app/dist ./dist

ENV HOME=/home/eksflow \
    HELM_PATH=/usr/local/bin/helm \
    SKOPEO_PATH=/usr/bin/skopeo \
    BUILDAH_PATH=/usr/bin/buildah \
    API_HOST=0.0.0.0 \
    API_PORT=8080
USER 10001:10001
EXPOSE 8080

# The API's liveness; the worker serves no HTTP, so docker-compose.yml gives it its own check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Overridden per service by docker-compose.yml (`command`); there is no ENTRYPOINT to combine with.
CMD ["node", "dist/api.js"]
