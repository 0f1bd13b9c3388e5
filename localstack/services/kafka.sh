# Apache Kafka 3.9 in KRaft mode (one node, broker + controller), from Maven Central jars — no tarball, no
# ZooKeeper. Kafka 3.9 keeps the older protocol versions that kafkajs speaks (Kafka 4 dropped some).

KAFKA_DIR() { echo "$VIGIL_HOME/tools/kafka"; }

kafka_install() {
  require_tool java "Kafka needs a Java 17+ runtime (apt-get install openjdk-17-jre-headless)"
  require_tool mvn "Kafka's jars are resolved with Maven (apt-get install maven)"
  local dir pom stamp
  dir=$(KAFKA_DIR)
  pom="$ROOT/localstack/kafka/pom.xml"
  stamp=$(fingerprint "$pom")
  [ "$(cat "$dir/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  say "kafka: resolving Apache Kafka jars from Maven Central into ${dir#"$ROOT"/} (first run only)"
  rm -rf "$dir" && mkdir -p "$dir"
  if ! mvn -B -q -f "$pom" -Dmaven.repo.local="$VIGIL_HOME/tools/m2" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dir/lib" >"$dir/mvn.log" 2>&1; then
    tail -n 30 "$dir/mvn.log" >&2
    die "kafka: Maven could not resolve the Kafka jars (full log: $dir/mvn.log)"
  fi
  echo "$stamp" >"$dir/.installed"
}

kafka_write_config() {
  local data="$VIGIL_HOME/data/kafka" conf="$VIGIL_HOME/run/kafka"
  mkdir -p "$conf"
  cat >"$conf/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${KAFKA_CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT},CONTROLLER://127.0.0.1:${KAFKA_CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${KAFKA_PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${data}
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created by init with their partition counts; a typo must not silently create a new topic.
auto.create.topics.enable=false
message.max.bytes=4194304
replica.fetch.max.bytes=4194304
PROPS
  cat >"$conf/log4j.properties" <<'PROPS'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.coordinator=WARN
log4j.logger.state.change.logger=WARN
PROPS
}

kafka_jvm() { # sets KAFKA_JVM: java with the tool's classpath and logging
  KAFKA_JVM=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j.configuration="file:$VIGIL_HOME/run/kafka/log4j.properties" -cp "$(KAFKA_DIR)/lib/*")
}

kafka_start() {
  ensure_port_free "$KAFKA_PORT" KAFKA_PORT kafka
  ensure_port_free "$KAFKA_CONTROLLER_PORT" KAFKA_CONTROLLER_PORT kafka
  kafka_write_config
  kafka_jvm
  local data="$VIGIL_HOME/data/kafka"
  # KRaft needs its log directory formatted once with a cluster id; `reset` wipes it.
  if [ ! -f "$data/meta.properties" ]; then
    mkdir -p "$data"
    "${KAFKA_JVM[@]}" kafka.tools.StorageTool format --ignore-formatted \
      -t "$("${KAFKA_JVM[@]}" kafka.tools.StorageTool random-uuid)" \
      -c "$VIGIL_HOME/run/kafka/server.properties" >"$VIGIL_HOME/logs/kafka-format.log" 2>&1 \
      || { cat "$VIGIL_HOME/logs/kafka-format.log" >&2; die "kafka: formatting $data failed"; }
  fi
  start_daemon kafka "${KAFKA_JVM[@]}" kafka.Kafka "$VIGIL_HOME/run/kafka/server.properties"
}

kafka_healthy() {
  alive kafka && port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$VIGIL_HOME/logs/kafka.log" 2>/dev/null
}

kafka_describe() {
  local version
  version=$(find "$(KAFKA_DIR)/lib" -name 'kafka_2.13-*.jar' -printf '%f' 2>/dev/null | sed -E 's/kafka_2.13-(.*)\.jar/\1/')
  echo "Apache Kafka ${version:-?} (KRaft) 127.0.0.1:${KAFKA_PORT}"
}
