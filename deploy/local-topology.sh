#!/usr/bin/env bash
# A real multi-process EdgeSync topology on one machine, without Docker or Kubernetes:
#
#   postgres  one PostgreSQL 17 server (the zonky binaries the application ships), databases central, edge1, edge2
#   kafka     one Apache Kafka broker in KRaft mode (Kafka's own server jars, a separate JVM)
#   central   quarkus-run.jar with EDGESYNC_ROLE=central, database "central"
#   edge1..N  quarkus-run.jar with EDGESYNC_ROLE=edge, each with its own HTTP port, edge id and database
#
# Usage: deploy/local-topology.sh up|status|down|logs [NAME]
#
# Build first: ./mvnw -B -DskipTests package (it also compiles the PostgreSQL launcher in the test classes).
# Everything lives under $TOPOLOGY_DIR (default ./topology): per process a directory with its log, its PID file and,
# for the EdgeSync processes, config/application.properties (Quarkus reads it from the working directory). Data is
# kept across down/up; delete the directory to start afresh.
#
# Settings (environment, read by "up" and remembered in $TOPOLOGY_DIR/topology.env for status and down):
#   TOPOLOGY_DIR                   state directory (default ./topology)
#   TOPOLOGY_CENTRAL_PORT          HTTP port of central (default 18080)
#   TOPOLOGY_EDGE_PORTS            HTTP ports of the edges, one edge per port (default "18081 18082")
#   TOPOLOGY_POSTGRES_PORT         PostgreSQL port on 127.0.0.1 (default 18432)
#   TOPOLOGY_KAFKA_PORT            Kafka client port on 127.0.0.1 (default 18092)
#   TOPOLOGY_KAFKA_CONTROLLER_PORT Kafka KRaft controller port (default 18093)
#   TOPOLOGY_APP_DIR               the packaged application (default <repo>/target/quarkus-app)
#   TOPOLOGY_TEST_CLASSES          where the PostgreSQL launcher is compiled (default <repo>/target/test-classes)
#   TOPOLOGY_KAFKA_VERSION         broker version (default 4.1.2, the application's Kafka clients)
#   TOPOLOGY_KAFKA_LIBS            broker jars (default ~/.cache/edgesync/kafka-broker-<version>, filled on first up)
#   TOPOLOGY_APP_JAVA_OPTS         JVM options of the EdgeSync processes (default "-Xmx256m -XX:+UseSerialGC")
#   TOPOLOGY_START_TIMEOUT         seconds to wait for every process to be ready (default 180)
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

die() {
  echo "local-topology: $*" >&2
  exit 1
}
say() { echo "local-topology: $*"; }

absolute() {
  case "$1" in
  /*) printf '%s\n' "$1" ;;
  *) printf '%s\n' "$PWD/$1" ;;
  esac
}

DIR="$(absolute "${TOPOLOGY_DIR:-./topology}")"
ENV_FILE="$DIR/topology.env"

# ---------------------------------------------------------------------------------------------------------------
# Processes: every process is started in its own session (setsid) with a marker in its command line
# (-Dio.edgesync.topology=<its directory>), so a recycled PID is never mistaken for ours.

# A process is alive when it exists, is not a zombie and carries our marker.
alive() {
  local pid="$1" marker="$2"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/stat" ]; then
    local state
    state="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)"
    [ "$state" != "Z" ] || return 1
  fi
  if [ -n "$marker" ] && [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "-Dio.edgesync.topology=$marker" || return 1
  fi
  return 0
}

pid_of() {
  local file="$DIR/$1/pid"
  [ -f "$file" ] && cat "$file" || true
}

# The postmaster that the PostgreSQL launcher started (pg_ctl daemonises it, so it has its own PID).
postmaster_pid() {
  local file="$DIR/postgres/data/postmaster.pid"
  [ -f "$file" ] && head -n 1 "$file" || true
}

postmaster_alive() {
  local pid
  pid="$(postmaster_pid)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/postgres/data"
}

# start NAME COMMAND...: runs COMMAND in $DIR/NAME, detached, output to NAME.log, PID to NAME/pid.
start() {
  local name="$1"
  shift
  local dir="$DIR/$name"
  mkdir -p "$dir"
  (
    cd "$dir"
    # Settings of the user's shell must not leak into the processes: their configuration is written for them.
    for var in $(compgen -e | grep -E '^(EDGESYNC|QUARKUS|KAFKA)_' || true); do unset "$var"; done
    if command -v setsid >/dev/null; then
      exec setsid "$@" </dev/null >>"$dir/$name.log" 2>&1
    else
      exec nohup "$@" </dev/null >>"$dir/$name.log" 2>&1
    fi
  ) &
  local pid=$! tries=0
  echo "$pid" >"$dir/pid"
  # Until the subshell has exec'd the command, its command line lacks the marker: wait for that, so that every later
  # check (and a stop) sees the real process.
  while ! alive "$pid" "$dir" && kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 200 ]; do
    sleep 0.05
    tries=$((tries + 1))
  done
}

# stop NAME: SIGTERM, up to 40 s for a clean stop, then SIGKILL.
stop() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  if alive "$pid" "$DIR/$name"; then
    kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while alive "$pid" "$DIR/$name" && [ "$waited" -lt 400 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "$pid" "$DIR/$name"; then
      say "$name (pid $pid) did not stop within 40 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$DIR/$name/pid"
}

# The launcher stops its postmaster on SIGTERM; if the launcher was killed, the postmaster is an orphan.
stop_orphaned_postmaster() {
  if postmaster_alive; then
    local pm waited=0
    pm="$(postmaster_pid)"
    say "stopping orphaned postmaster (pid $pm)"
    kill -TERM "$pm" 2>/dev/null || true
    while kill -0 "$pm" 2>/dev/null && [ "$waited" -lt 300 ]; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$pm" 2>/dev/null; then kill -KILL "$pm" 2>/dev/null || true; fi
  fi
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the "status" of /q/health/<kind> (UP, DOWN) or "unreachable".
health() {
  local port="$1" kind="$2" body
  if body="$(curl -s -m 5 "http://127.0.0.1:$port/q/health/$kind" 2>/dev/null)" && [ -n "$body" ]; then
    printf '%s\n' "$body" | tr -d ' \n' | sed -n 's/^{"status":"\([A-Z]*\)".*/\1/p' | grep . || echo "unknown"
  else
    echo "unreachable"
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# Settings

load_settings() {
  if [ -f "$ENV_FILE" ]; then
    # shellcheck disable=SC1090
    . "$ENV_FILE"
  else
    CENTRAL_PORT=""
    EDGE_PORTS=""
    POSTGRES_PORT=""
    KAFKA_PORT=""
    KAFKA_CONTROLLER_PORT=""
  fi
}

edge_names() {
  local i=1 port
  for port in $EDGE_PORTS; do
    echo "edge$i"
    i=$((i + 1))
  done
}

edge_port() {
  local wanted="$1" i=1 port
  for port in $EDGE_PORTS; do
    [ "edge$i" = "$wanted" ] && echo "$port"
    i=$((i + 1))
  done
}

app_names() {
  echo central
  edge_names
}

app_port() {
  if [ "$1" = central ]; then echo "$CENTRAL_PORT"; else edge_port "$1"; fi
}

# ---------------------------------------------------------------------------------------------------------------
# up

ensure_kafka_libs() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then
    return
  fi
  say "copying Apache Kafka $KAFKA_VERSION server jars to $KAFKA_LIBS (once)"
  local staging="$KAFKA_LIBS.partial"
  rm -rf "$staging"
  mkdir -p "$staging"
  "$REPO/mvnw" -B -q -f "$REPO/deploy/kafka-broker/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$staging" ||
    die "could not copy the Kafka jars (Maven Central needed once)"
  touch "$staging/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$staging" "$KAFKA_LIBS"
}

wait_until() {
  # wait_until SECONDS DESCRIPTION NAME COMMAND...: polls COMMAND; fails early when process NAME died.
  local seconds="$1" description="$2" name="$3"
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ! alive "$(pid_of "$name")" "$DIR/$name"; then
      tail -n 40 "$DIR/$name/$name.log" >&2 || true
      fail_up "$name exited before $description"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 40 "$DIR/$name/$name.log" >&2 || true
      fail_up "$name: no $description within $seconds s"
    fi
    sleep 0.5
  done
}

fail_up() {
  echo "local-topology: $*; stopping what was started (logs stay in $DIR)" >&2
  do_down >&2
  exit 1
}

start_postgres() {
  local databases
  databases="central $(edge_names | tr '\n' ' ')"
  rm -f "$DIR/postgres/ready"
  mkdir -p "$DIR/postgres"
  start postgres "$JAVA" -Xmx64m -XX:+UseSerialGC "-Dio.edgesync.topology=$DIR/postgres" \
    -cp "$TEST_CLASSES:$APP_DIR/app/*:$APP_DIR/lib/boot/*:$APP_DIR/lib/main/*" io.edgesync.deployment.TopologyPostgres \
    "$DIR/postgres/data" "$POSTGRES_PORT" "$DIR/postgres/ready" $databases
  wait_until 90 "PostgreSQL ready" postgres test -f "$DIR/postgres/ready"
  say "postgres  ready on 127.0.0.1:$POSTGRES_PORT (databases $databases)"
}

start_kafka() {
  local dir="$DIR/kafka"
  mkdir -p "$dir"
  cat >"$dir/server.properties" <<EOF
# Written by deploy/local-topology.sh up. One node that is broker and controller (KRaft).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
# A single node: internal topics have one replica, or consumer groups never receive records.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.cleaner.dedupe.buffer.size=8388608
# A restarted node may register again quickly.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=2000
EOF
  local cp="$KAFKA_LIBS/*"
  if [ ! -f "$dir/data/meta.properties" ]; then
    local cluster_id
    cluster_id="$("$JAVA" -cp "$cp" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
    "$JAVA" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
      >>"$dir/kafka.log" 2>&1 || die "formatting the Kafka log directory failed, see $dir/kafka.log"
  fi
  start kafka "$JAVA" -Xmx384m -XX:+UseSerialGC "-Dio.edgesync.topology=$dir" \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.showDateTime=true \
    -cp "$cp" kafka.Kafka "$dir/server.properties"
  wait_until 90 "Kafka listening" kafka port_open "$KAFKA_PORT"
  say "kafka     ready on 127.0.0.1:$KAFKA_PORT (KRaft, controller $KAFKA_CONTROLLER_PORT)"
}

write_app_config() {
  local name="$1" role="$2" port="$3" database="$4"
  mkdir -p "$DIR/$name/config"
  {
    echo "# Written by deploy/local-topology.sh up (rewritten on every up). Quarkus reads config/application.properties"
    echo "# from the working directory; the keys are those of docs/configuration.md."
    echo "edgesync.role=$role"
    if [ "$role" = edge ]; then echo "edgesync.edge.id=$name"; fi
    echo "edgesync.embedded.enabled=false"
    echo "quarkus.http.host=127.0.0.1"
    echo "quarkus.http.port=$port"
    echo "quarkus.datasource.reactive.url=postgresql://127.0.0.1:$POSTGRES_PORT/$database"
    echo "quarkus.datasource.jdbc.url=jdbc:postgresql://127.0.0.1:$POSTGRES_PORT/$database"
    echo "quarkus.datasource.username=postgres"
    echo "kafka.bootstrap.servers=127.0.0.1:$KAFKA_PORT"
    echo "# As in the local default: no identity provider on one machine, so devices are anonymous and metrics open."
    echo "edgesync.security.anonymous=true"
    echo "quarkus.http.auth.permission.metrics.policy=permit"
    echo "# The sample table of the offline-sync quickstarts, and any other table on first write."
    echo "edgesync.tables.auto-create=true"
    echo "edgesync.tables.declared.todoitem.soft-delete=true"
    echo "edgesync.tables.declared.todoitem.columns.text=string"
    echo "edgesync.tables.declared.todoitem.columns.complete=boolean"
  } >"$DIR/$name/config/application.properties"
}

start_app() {
  local name="$1" role="$2" port="$3"
  write_app_config "$name" "$role" "$port" "$name"
  # shellcheck disable=SC2086
  start "$name" "$JAVA" $APP_JAVA_OPTS "-Dio.edgesync.topology=$DIR/$name" -jar "$APP_DIR/quarkus-run.jar"
}

app_ready() {
  [ "$(health "$(app_port "$1")" ready)" = UP ]
}

do_up() {
  APP_DIR="$(absolute "${TOPOLOGY_APP_DIR:-$REPO/target/quarkus-app}")"
  TEST_CLASSES="$(absolute "${TOPOLOGY_TEST_CLASSES:-$REPO/target/test-classes}")"
  KAFKA_VERSION="${TOPOLOGY_KAFKA_VERSION:-4.1.2}"
  KAFKA_LIBS="$(absolute "${TOPOLOGY_KAFKA_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/edgesync/kafka-broker-$KAFKA_VERSION}")"
  APP_JAVA_OPTS="${TOPOLOGY_APP_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"
  local timeout="${TOPOLOGY_START_TIMEOUT:-180}"

  [ -f "$APP_DIR/quarkus-run.jar" ] || die "no $APP_DIR/quarkus-run.jar: run ./mvnw -B -DskipTests package first"
  [ -f "$TEST_CLASSES/io/edgesync/deployment/TopologyPostgres.class" ] ||
    die "no PostgreSQL launcher in $TEST_CLASSES: run ./mvnw -B -DskipTests package first (not -Dmaven.test.skip)"
  command -v curl >/dev/null || die "curl is needed for the health checks"
  "$JAVA" -version >/dev/null 2>&1 || die "no java found (set JAVA_HOME)"

  if [ -f "$ENV_FILE" ]; then
    load_settings
    local name
    for name in postgres kafka $(app_names); do
      if alive "$(pid_of "$name")" "$DIR/$name"; then
        die "the topology in $DIR is running ($name); use status, or down first"
      fi
    done
    # A killed run may have left its postmaster behind, holding the port and the data directory.
    stop_orphaned_postmaster
  fi

  CENTRAL_PORT="${TOPOLOGY_CENTRAL_PORT:-18080}"
  EDGE_PORTS="${TOPOLOGY_EDGE_PORTS:-18081 18082}"
  POSTGRES_PORT="${TOPOLOGY_POSTGRES_PORT:-18432}"
  KAFKA_PORT="${TOPOLOGY_KAFKA_PORT:-18092}"
  KAFKA_CONTROLLER_PORT="${TOPOLOGY_KAFKA_CONTROLLER_PORT:-18093}"
  [ -n "$(edge_names)" ] || die "TOPOLOGY_EDGE_PORTS names no port"

  local port
  for port in "$CENTRAL_PORT" $EDGE_PORTS "$POSTGRES_PORT" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$port"; then die "port $port is in use (choose others with the TOPOLOGY_*_PORT settings)"; fi
  done

  mkdir -p "$DIR"
  # The state directory is never something to commit.
  echo '*' >"$DIR/.gitignore"
  cat >"$ENV_FILE" <<EOF
# Written by deploy/local-topology.sh up; read by status and down.
CENTRAL_PORT="$CENTRAL_PORT"
EDGE_PORTS="$EDGE_PORTS"
POSTGRES_PORT="$POSTGRES_PORT"
KAFKA_PORT="$KAFKA_PORT"
KAFKA_CONTROLLER_PORT="$KAFKA_CONTROLLER_PORT"
EOF

  ensure_kafka_libs
  say "state in $DIR"
  start_postgres
  start_kafka

  start_app central central "$CENTRAL_PORT"
  local edge
  for edge in $(edge_names); do
    start_app "$edge" edge "$(edge_port "$edge")"
  done
  for name in $(app_names); do
    wait_until "$timeout" "readiness (/q/health/ready UP)" "$name" app_ready "$name"
    say "$(printf '%-9s' "$name") ready on http://127.0.0.1:$(app_port "$name")"
  done
  say "up; try: deploy/local-topology.sh status"
}

# ---------------------------------------------------------------------------------------------------------------
# status

do_status() {
  [ -f "$ENV_FILE" ] || {
    echo "no topology in $DIR"
    return 3
  }
  load_settings
  local running=0 total=0 healthy=1 name pid state detail
  printf '%-9s %-8s %-8s %-6s %s\n' NAME PID STATE PORT HEALTH
  for name in postgres kafka $(app_names); do
    total=$((total + 1))
    pid="$(pid_of "$name")"
    if alive "$pid" "$DIR/$name"; then
      state=running
      running=$((running + 1))
    else
      state=stopped
      healthy=0
    fi
    case "$name" in
    postgres)
      port="$POSTGRES_PORT"
      if [ "$state" = running ] && port_open "$port"; then detail="accepting connections"; else detail="-"; fi
      if postmaster_alive; then detail="$detail (postmaster $(postmaster_pid))"; fi
      ;;
    kafka)
      port="$KAFKA_PORT"
      if [ "$state" = running ] && port_open "$port"; then detail="listening"; else detail="-"; fi
      ;;
    *)
      port="$(app_port "$name")"
      if [ "$state" = running ]; then
        detail="started=$(health "$port" started) live=$(health "$port" live) ready=$(health "$port" ready)"
        case "$detail" in *ready=UP*) ;; *) healthy=0 ;; esac
      else
        detail="-"
      fi
      ;;
    esac
    printf '%-9s %-8s %-8s %-6s %s\n' "$name" "${pid:--}" "$state" "$port" "$detail"
  done
  if [ "$running" -eq 0 ] && ! postmaster_alive; then return 3; fi
  [ "$healthy" -eq 1 ]
}

# ---------------------------------------------------------------------------------------------------------------
# down

do_down() {
  [ -f "$ENV_FILE" ] || {
    say "no topology in $DIR"
    return 0
  }
  load_settings
  local name
  # EdgeSync processes first (they flush to Kafka and PostgreSQL), then Kafka, then PostgreSQL.
  local stoppers=()
  for name in $(app_names); do
    stop "$name" &
    stoppers+=($!)
  done
  wait "${stoppers[@]}"
  stop kafka
  stop postgres
  stop_orphaned_postmaster
  say "down (data kept in $DIR)"
}

# ---------------------------------------------------------------------------------------------------------------

case "${1:-}" in
up) do_up ;;
status) do_status ;;
down) do_down ;;
logs)
  [ -n "${2:-}" ] || die "usage: $0 logs NAME (postgres, kafka, central, edge1, ...)"
  exec tail -n 200 -f "$DIR/$2/$2.log"
  ;;
*)
  sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
