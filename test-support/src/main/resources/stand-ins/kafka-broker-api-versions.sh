#!/bin/sh
# the apache/kafka image's tool of this name, used by the compose file's health check
exec java -Xmx64m -cp '/opt/kafka/libs/*' org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
