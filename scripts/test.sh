#!/usr/bin/env bash
# The test command: prepares the machine (scripts/setup.sh), then runs every module's tests
# against the real parts (KRaft broker in the test JVM, PostgreSQL, distribution registry,
# buildah with QEMU). Extra arguments go to Maven, e.g. scripts/test.sh -pl shared-model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec ./mvnw -B -ntp verify "$@"
