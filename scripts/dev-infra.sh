#!/usr/bin/env bash
# The real parts that `./mvnw -pl <module> quarkus:dev` expects, for a machine without Docker:
# a KRaft broker on localhost:9092 (its own JVM, data in .dev-infra/kafka) and PostgreSQL with the
# 'archipelago' and 'archipelago_assembler' databases (scripts/setup.sh).
#
#   scripts/dev-infra.sh start | stop | status
set -euo pipefail
cd "$(dirname "$0")/.."
home="$PWD/.dev-infra"
pidfile="$home/kafka.pid"
mkdir -p "$home"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-start}" in
  start)
    if running; then echo "Kafka already runs (pid $(cat "$pidfile")) on localhost:9092"; exit 0; fi
    bash scripts/setup.sh
    ./mvnw -B -q -ntp -DskipTests -pl local-infra -am install
    ./mvnw -B -q -ntp -pl local-infra dependency:build-classpath -Dmdep.outputFile="$home/classpath" -Dmdep.includeScope=runtime
    nohup java -Xmx512m -cp "local-infra/target/classes:$(cat "$home/classpath")" \
      dev.archipelago.infra.KafkaServerMain 9092 9093 "$home/kafka" > "$home/kafka.log" 2>&1 &
    echo $! > "$pidfile"
    for _ in $(seq 1 60); do
      grep -q "kafka ready" "$home/kafka.log" 2>/dev/null && break
      running || { echo "Kafka exited; see $home/kafka.log" >&2; exit 1; }
      sleep 0.5
    done
    grep -q "kafka ready" "$home/kafka.log" || { echo "Kafka did not start in 30 s; see $home/kafka.log" >&2; exit 1; }
    echo "Kafka on localhost:9092 (pid $(cat "$pidfile")), PostgreSQL on 127.0.0.1:5432. Now: ./mvnw -pl <module> quarkus:dev"
    ;;
  stop)
    if running; then kill "$(cat "$pidfile")"; echo "stopped Kafka (pid $(cat "$pidfile"))"; fi
    rm -f "$pidfile"
    ;;
  status)
    if running; then echo "Kafka runs (pid $(cat "$pidfile"))"; else echo "Kafka is not running"; fi
    ;;
  *) echo "usage: scripts/dev-infra.sh start | stop | status" >&2; exit 2 ;;
esac
