#!/usr/bin/env bash
# The run command: the whole system on this machine, then a multi-arch build of the example app.
#
#   scripts/run-local.sh            set up, build, start the stack, build examples/hello-multiarch for
#                                   linux/amd64 + linux/ppc64le, prove it, and leave the stack running
#   scripts/run-local.sh --once     the same, then stop everything
#   scripts/run-local.sh stop       stop a stack left running (by the PIDs it wrote down)
#
# Ports: ARCHIPELAGO_STACK_{KAFKA,KAFKA_CONTROLLER,REGISTRY,DISPATCHER,ASSEMBLER,WORKER_AMD64,WORKER_PPC64LE}_PORT
# (defaults 19092 19093 15000 8080 8082 8081 8083). Logs and data: ARCHIPELAGO_STACK_HOME (default .local-stack/).
set -euo pipefail
cd "$(dirname "$0")/.."
export ARCHIPELAGO_STACK_HOME="${ARCHIPELAGO_STACK_HOME:-$PWD/.local-stack}"
mkdir -p "$ARCHIPELAGO_STACK_HOME"
classpath_file="$ARCHIPELAGO_STACK_HOME/classpath"

build() {
  echo "==> install what is missing"
  bash scripts/setup.sh
  echo "==> build the services (tests skipped)"
  ./mvnw -B -q -ntp -DskipTests install
  ./mvnw -B -q -ntp -pl local-stack dependency:build-classpath -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=runtime
}

run() {
  exec java -Darchipelago.repo.root="$PWD" -cp "local-stack/target/classes:$(cat "$classpath_file")" \
    dev.archipelago.stack.LocalStackCli "$@"
}

case "${1:-demo}" in
  stop)
    [ -f "$classpath_file" ] || { echo "no stack was started from $ARCHIPELAGO_STACK_HOME"; exit 0; }
    run stop ;;
  demo|--once)
    build
    run demo "$@" ;;
  images)
    # ARCHIPELAGO_PREBUILT=1: the jars and $classpath_file are already there (the tests set it)
    [ "${ARCHIPELAGO_PREBUILT:-}" = 1 ] || build
    run "$@" ;;
  *)
    echo "usage: scripts/run-local.sh [--once] | stop" >&2; exit 2 ;;
esac
