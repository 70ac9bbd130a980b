# syntax=docker/dockerfile:1
# The aws-controller image: both containers of the chart's pods run it
# (`aws-controller webhook …`, `aws-controller syncer …`).
#   docker build -t aws-controller .
# Three stages: build the TypeScript, install the production dependencies alone, and copy only
# those and the compiled JavaScript onto a distroless Node.js base (no shell, no npm), running
# as a non-root user. cli/dockerfile.test.ts checks this file against the build; the image suite
# (test/e2e/image.test.ts) builds it with podman and runs it.
# Node.js 24, the current LTS (Node 20 is past its end of life; AWS SDK releases from January
# 2027 need Node 22 or later). Both base images must carry the same major.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts
COPY core ./core
COPY webhook ./webhook
COPY syncer ./syncer
COPY cli ./cli
COPY test ./test
RUN npm run build \
  && rm -rf dist/test dist/syncer/testing \
  && find dist -name '*.test.js' -delete \
  && find dist -name '*.test.js.map' -delete

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# jemalloc, Debian's libjemalloc2 for the same release as the final stage (bookworm = debian12):
# the chart preloads it into the syncer (values.yaml: syncer.allocator). glibc's malloc keeps
# the memory Node frees inside its heap, ~55 MiB at 10,000 watched objects, where jemalloc
# gives it back (docs/benchmarks.md, Memory). Copied to a fixed path whatever the architecture.
FROM node:${NODE_VERSION}-bookworm-slim AS jemalloc
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2 \
  && mkdir -p /out \
  && cp "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /out/libjemalloc.so.2 \
  && rm -rf /var/lib/apt/lists/*

FROM gcr.io/distroless/nodejs${NODE_VERSION}-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# package.json: "type": "module" makes Node load dist/**/*.js as ES modules.
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=jemalloc /out/libjemalloc.so.2 /usr/local/lib/libjemalloc.so.2
# distroless's nonroot user, by number so the kubelet can check runAsNonRoot.
USER 65532:65532
EXPOSE 9443 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
