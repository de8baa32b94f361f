# syntax=docker/dockerfile:1.7
# The vMCP runtime image (`vmcp serve`), the image the operator puts into every VirtualMCPServer
# Deployment (operator flag --vmcp-image / VMCP_IMAGE). Build from the repository root:
#   docker build -f deploy/docker/runtime.Dockerfile -t ghcr.io/vmcp-k8s/vmcp:dev .
# The image runs the esbuild bundle of the program (scripts/bundle.ts): plain JavaScript starts in a
# fraction of the time type-stripping every .ts file takes (docs/performance.md). The production
# install stays for the one external dependency, the Cedar engine's WebAssembly module.

ARG NODE_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${NODE_IMAGE} AS deps
ARG PNPM_VERSION=10.34.9
WORKDIR /app
RUN npm install -g --no-audit --no-fund "pnpm@${PNPM_VERSION}"
# Every workspace manifest: the lockfile lists all importers, --frozen-lockfile wants them present.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages/shared-types/package.json packages/shared-types/
COPY packages/kube-kit/package.json packages/kube-kit/
COPY packages/operator/package.json packages/operator/
COPY packages/vmcp-runtime/package.json packages/vmcp-runtime/
COPY packages/testenv/package.json packages/testenv/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
# Only the runtime and its workspace dependencies, production dependencies only. The default
# isolated linker keeps workspace packages as symlinks to packages/*: Node strips types only
# outside node_modules, so workspace sources must not be copied into node_modules.
RUN --mount=type=cache,target=/pnpm-store \
    pnpm install --frozen-lockfile --prod --ignore-scripts --store-dir=/pnpm-store \
      --filter "@vmcp/vmcp-runtime..."
COPY packages/shared-types/src packages/shared-types/src
COPY packages/kube-kit/src packages/kube-kit/src
COPY packages/vmcp-runtime/src packages/vmcp-runtime/src

# The bundle: a full install (esbuild is a root devDependency), then scripts/bundle.ts.
FROM ${NODE_IMAGE} AS bundle
ARG PNPM_VERSION=10.34.9
WORKDIR /app
RUN npm install -g --no-audit --no-fund "pnpm@${PNPM_VERSION}"
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
COPY packages/shared-types/package.json packages/shared-types/
COPY packages/kube-kit/package.json packages/kube-kit/
COPY packages/operator/package.json packages/operator/
COPY packages/vmcp-runtime/package.json packages/vmcp-runtime/
COPY packages/testenv/package.json packages/testenv/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
RUN --mount=type=cache,target=/pnpm-store \
    pnpm install --frozen-lockfile --ignore-scripts --store-dir=/pnpm-store \
      --filter vmcp-k8s --filter "@vmcp/vmcp-runtime..."
COPY packages/shared-types/src packages/shared-types/src
COPY packages/kube-kit/src packages/kube-kit/src
COPY packages/vmcp-runtime/src packages/vmcp-runtime/src
COPY scripts/bundle.ts scripts/compile-cache.ts scripts/
# The commit `--version` and the *_build_info gauges report (no .git in the build context).
ARG VMCP_GIT_COMMIT=
RUN node scripts/bundle.ts runtime

# The V8 compile cache of the bundle, made by the Node binary and with the V8 flags of the final
# image, at the path the final image runs it from (the cache is keyed by both; a mismatch would only
# leave it unused). Start-up then reads compiled code instead of compiling 2 MiB of JavaScript.
FROM ${RUNTIME_IMAGE} AS compile-cache
WORKDIR /app
ENV NODE_OPTIONS=--max-semi-space-size=2
COPY --from=bundle /app/packages/vmcp-runtime/dist ./packages/vmcp-runtime/dist
COPY --from=bundle /app/scripts/compile-cache.ts ./scripts/compile-cache.ts
RUN ["/nodejs/bin/node", "scripts/compile-cache.ts", "/app/compile-cache", "packages/vmcp-runtime/dist", "vmcp.mjs"]

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
# A smaller young generation (2 MiB semi-spaces): about 7 MiB less idle RSS (docs/performance.md).
ENV NODE_OPTIONS=--max-semi-space-size=2
# Read-only at run time: Node reads it and, unable to write, silently keeps what it has.
ENV NODE_COMPILE_CACHE=/app/compile-cache
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/packages/shared-types ./packages/shared-types
COPY --from=deps /app/packages/kube-kit ./packages/kube-kit
COPY --from=deps /app/packages/vmcp-runtime ./packages/vmcp-runtime
COPY --from=bundle /app/packages/vmcp-runtime/dist ./packages/vmcp-runtime/dist
# Node writes cache files mode 0600: owned by the user that reads them.
COPY --from=compile-cache --chown=1000:1000 /app/compile-cache /app/compile-cache
# uid/gid 1000, what the operator's pod securityContext runs as (runAsNonRoot needs a numeric uid).
# Nothing is written outside /tmp (an emptyDir in the Deployment): the root filesystem can be read-only.
USER 1000:1000
EXPOSE 4483
# ENTRYPOINT names the script because the operator's Deployment sets container `args` (which replace
# CMD only): args ["serve", "--config=...", ...] then reach `vmcp` as its command line.
ENTRYPOINT ["/nodejs/bin/node", "packages/vmcp-runtime/dist/vmcp.mjs"]
CMD ["serve", "--config=/etc/vmcp-config/config.yaml", "--host=0.0.0.0", "--port=4483"]
