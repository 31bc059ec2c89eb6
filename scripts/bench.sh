#!/usr/bin/env bash
# The benchmark: what orchestration costs next to plain buildah, and how far it scales.
#
#   scripts/bench.sh            default run, bounded at 15 minutes
#   scripts/bench.sh --quick    fewer repetitions and a shorter load ramp, bounded at 3 minutes
#
# Installs what is missing (scripts/setup.sh), builds the services with tests skipped, then runs
# dev.archipelago.bench.Bench against a local stack on free ports: it prints a Markdown table and
# writes it to docs/benchmarks.md with the machine, date and commit. Everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
classpath_file="$PWD/bench/target/classpath"

echo "==> install what is missing"
bash scripts/setup.sh
echo "==> build the services and the benchmark (tests skipped)"
./mvnw -B -q -ntp -DskipTests install
./mvnw -B -q -ntp -pl bench dependency:build-classpath -Dmdep.outputFile="$classpath_file" -Dmdep.includeScope=runtime
echo "==> run the benchmark"
exec java -Darchipelago.repo.root="$PWD" -cp "bench/target/classes:$(cat "$classpath_file")" dev.archipelago.bench.Bench "$@"
