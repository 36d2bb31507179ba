#!/usr/bin/env bash
# Every npm script enters here. It brings the project's own toolchain first (npm dependencies, which include
# Node 24 through the `node` package), then runs the task on that Node, whatever Node started npm.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.toolchain-stamp
if [ ! -x node_modules/node/bin/node ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "[setup] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
export PATH="$PWD/node_modules/.bin:$PATH"
node_version=$(node --version)
case "$node_version" in
  v24.*) ;;
  *) echo "[setup] expected Node 24 from node_modules/.bin/node, found $node_version" >&2; exit 1 ;;
esac

build() {
  rm -rf dist
  tsc -p tsconfig.json
}

task=${1:?usage: with-toolchain.sh start|test|db:migrate|user:create|bench|sandbox}
shift
case "$task" in
  start)
    build
    exec node dist/scripts/start.js "$@"
    ;;
  test)
    echo "[test] lint (eslint, prettier)"
    eslint .
    prettier --check . --log-level warn
    echo "[test] type-check and build (tsc)"
    build
    echo "[test] suite (mocha, against real Temporal, PostgreSQL and Redis)"
    exec mocha "$@"
    ;;
  db:migrate)
    build
    exec node dist/scripts/db-migrate.js "$@"
    ;;
  user:create)
    build
    exec node dist/scripts/user-create.js "$@"
    ;;
  bench)
    build
    exec node --expose-gc dist/scripts/bench.js "$@"
    ;;
  sandbox)
    build
    exec node dist/sandbox/main.js "$@"
    ;;
  *)
    echo "unknown task: $task" >&2
    exit 2
    ;;
esac
