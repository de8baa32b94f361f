# syntax=docker/dockerfile:1.7
# A sample MCP backend (e2e/sample-backend): the e2e suite and the demo run it as in-cluster pods
# behind Services (a test node has no egress). Build from the repository root:
#   docker build -f deploy/docker/sample-backend.Dockerfile -t ghcr.io/vmcp-k8s/vmcp-sample-backend:dev .

ARG NODE_IMAGE=node:24-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${NODE_IMAGE} AS deps
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
# Only the e2e package's own production dependencies (the MCP SDK is what the backend uses).
RUN --mount=type=cache,target=/pnpm-store \
    pnpm install --frozen-lockfile --prod --ignore-scripts --store-dir=/pnpm-store \
      --filter "@vmcp/e2e"
COPY e2e/harness/backend.ts e2e/harness/sample-tools.ts e2e/harness/
COPY e2e/sample-backend e2e/sample-backend

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/e2e ./e2e
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "e2e/sample-backend/main.ts"]
CMD ["--help"]
