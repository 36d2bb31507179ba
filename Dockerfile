# One image, three roles chosen by the command docker-compose.yml gives it: the API (default), the worker and the
# migration job. The Node version is the one the `node` dependency in package.json pins, which `npm start` and
# `npm test` run on; tests/deploy/compose.test.ts keeps the two equal.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Install scripts stay off in both npm stages: the only ones in the tree are the `node` package's download of a
# second Node binary (this base image is Node already), protobufjs' version notice and @swc/core's fallback probe
# (its native binary arrives as an optional dependency). None is needed, and skipping them means no package's own
# code runs during the build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY activities ./activities
COPY api ./api
COPY config ./config
COPY db ./db
COPY integrations ./integrations
COPY sandbox ./sandbox
COPY scripts ./scripts
COPY temporal ./temporal
COPY worker ./worker
COPY workflows ./workflows
RUN npx tsc -p tsconfig.json

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
# @temporalio/core-bridge ships its native library for five platforms (~140 MB); only this one's is ever loaded.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force \
  && bridge=node_modules/@temporalio/core-bridge/releases && target="$(uname -m)-unknown-linux-gnu" \
  && find "$bridge" -mindepth 1 -maxdepth 1 ! -name "$target" -exec rm -rf {} + \
  && test -f "$bridge/$target/index.node"

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Root owns the code and the `node` account (uid 1000) only reads it: a compromised process cannot rewrite the app.
# The worker bundles dist/workflows at start (webpack, in memory), so that folder must be in the image.
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The OpenAPI document reads its version from ./package.json.
COPY package.json ./
USER node
EXPOSE 3000
# No HEALTHCHECK here: each role needs its own probe (the API's /readyz, the worker's metrics port, none for the
# migration job), so docker-compose.yml declares them per service.
CMD ["node", "dist/api/main.js"]
