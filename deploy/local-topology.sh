#!/usr/bin/env bash
# A real multi-process EdgeSync topology on one machine, without Docker or Kubernetes:
#
#   postgres  one PostgreSQL 17 server (the zonky binaries the application ships), databases central, edge1, edge2
#   kafka     one Apache Kafka broker in KRaft mode (Kafka's own server jars, a separate JVM)
#   central   quarkus-run.jar with EDGESYNC_ROLE=central, database "central"
#   edge1..N  quarkus-run.jar with EDGESYNC_ROLE=edge, each with its own HTTP port, edge id and database
#
# Usage: deploy/local-topology.sh up|status|down
#        deploy/local-topology.sh stop NAME|start NAME|logs NAME    (NAME: postgres, kafka, central, edge1, edge2, ...)
#
# "stop NAME" stops one process and "start NAME" brings it back with the same ports, data and configuration, so an
# outage of one component can be rehearsed while the others run (see deploy/README.md).
#
# Build first: ./mvnw -B -DskipTests package (it also compiles the PostgreSQL launcher in the test classes).
# Everything lives under $TOPOLOGY_DIR (default ./topology): per process a directory with its log, its PID file and,
# for the EdgeSync processes, config/application.properties (Quarkus reads it from the working directory). Data is
# kept across down/up; delete the directory to start afresh.
#
# Settings (environment, read by "up" and remembered in $TOPOLOGY_DIR/topology.env for the other commands):
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
    # A topology.env of an older script records only the ports: its paths are the defaults.
    runtime_settings
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

# Set by "start NAME": a failed start stops only that process, not the whole topology.
ONLY=""

fail_up() {
  if [ -n "$ONLY" ]; then
    echo "local-topology: $*; stopping $ONLY (logs stay in $DIR)" >&2
    stop_one "$ONLY" >&2
  else
    echo "local-topology: $*; stopping what was started (logs stay in $DIR)" >&2
    do_down >&2
  fi
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
    echo "# Written by deploy/local-topology.sh, again on every up and start. Quarkus reads config/application.properties"
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

app_live() {
  [ "$(health "$(app_port "$1")" live)" = UP ]
}

# What the processes run from: the TOPOLOGY_* environment, or the defaults. "up" records it in topology.env.
runtime_settings() {
  APP_DIR="$(absolute "${TOPOLOGY_APP_DIR:-$REPO/target/quarkus-app}")"
  TEST_CLASSES="$(absolute "${TOPOLOGY_TEST_CLASSES:-$REPO/target/test-classes}")"
  KAFKA_VERSION="${TOPOLOGY_KAFKA_VERSION:-4.1.2}"
  KAFKA_LIBS="$(absolute "${TOPOLOGY_KAFKA_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/edgesync/kafka-broker-$KAFKA_VERSION}")"
  APP_JAVA_OPTS="${TOPOLOGY_APP_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC}"
  START_TIMEOUT="${TOPOLOGY_START_TIMEOUT:-180}"
}

check_prerequisites() {
  [ -f "$APP_DIR/quarkus-run.jar" ] || die "no $APP_DIR/quarkus-run.jar: run ./mvnw -B -DskipTests package first"
  [ -f "$TEST_CLASSES/io/edgesync/deployment/TopologyPostgres.class" ] ||
    die "no PostgreSQL launcher in $TEST_CLASSES: run ./mvnw -B -DskipTests package first (not -Dmaven.test.skip)"
  command -v curl >/dev/null || die "curl is needed for the health checks"
  "$JAVA" -version >/dev/null 2>&1 || die "no java found (set JAVA_HOME)"
}

do_up() {
  if [ -f "$ENV_FILE" ]; then
    load_settings
    local name
    for name in postgres kafka $(app_names); do
      if alive "$(pid_of "$name")" "$DIR/$name"; then
        die "the topology in $DIR is running ($name); use status, start NAME for a stopped process, or down first"
      fi
    done
    # A killed run may have left its postmaster behind, holding the port and the data directory.
    stop_orphaned_postmaster
  fi

  runtime_settings
  check_prerequisites

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
  {
    echo "# Written by deploy/local-topology.sh up; read by every other command."
    local var
    for var in CENTRAL_PORT EDGE_PORTS POSTGRES_PORT KAFKA_PORT KAFKA_CONTROLLER_PORT \
      APP_DIR TEST_CLASSES KAFKA_VERSION KAFKA_LIBS APP_JAVA_OPTS START_TIMEOUT; do
      printf '%s=%q\n' "$var" "${!var}"
    done
  } >"$ENV_FILE"

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
    wait_until "$START_TIMEOUT" "readiness (/q/health/ready UP)" "$name" app_ready "$name"
    say "$(printf '%-9s' "$name") ready on http://127.0.0.1:$(app_port "$name")"
  done
  say "up; try: deploy/local-topology.sh status"
}

# ---------------------------------------------------------------------------------------------------------------
# stop NAME, start NAME: one process, for rehearsing an outage. Its ports, data and configuration stay as "up" set
# them, so "start NAME" brings back the same process.

require_topology_process() {
  local wanted="$1" name
  [ -f "$ENV_FILE" ] || die "no topology in $DIR: run up first"
  load_settings
  for name in postgres kafka $(app_names); do
    [ "$name" = "$wanted" ] && return 0
  done
  die "unknown process '$wanted': one of postgres kafka $(app_names | tr '\n' ' ')"
}

stop_one() {
  stop "$1"
  if [ "$1" = postgres ]; then stop_orphaned_postmaster; fi
}

do_stop_one() {
  local name="$1"
  require_topology_process "$name"
  if ! alive "$(pid_of "$name")" "$DIR/$name"; then
    say "$name is not running"
  fi
  stop_one "$name"
  say "bring it back with: $0 start $name"
}

do_start_one() {
  local name="$1" port
  require_topology_process "$name"
  if alive "$(pid_of "$name")" "$DIR/$name"; then
    die "$name is running (pid $(pid_of "$name"))"
  fi
  check_prerequisites
  ONLY="$name"
  case "$name" in
  postgres)
    # A killed launcher may have left its postmaster behind, holding the port and the data directory.
    stop_orphaned_postmaster
    port="$POSTGRES_PORT"
    ;;
  kafka) port="$KAFKA_PORT" ;;
  *) port="$(app_port "$name")" ;;
  esac
  if port_open "$port"; then die "port $port of $name is in use by another process"; fi
  case "$name" in
  postgres) start_postgres ;;
  kafka)
    ensure_kafka_libs
    start_kafka
    ;;
  *)
    if ! alive "$(pid_of postgres)" "$DIR/postgres"; then
      die "postgres is not running: $name cannot start without its database (start postgres first)"
    fi
    if [ "$name" = central ]; then start_app central central "$port"; else start_app "$name" edge "$port"; fi
    if [ "$name" = central ] && ! alive "$(pid_of kafka)" "$DIR/kafka"; then
      # Central is not ready while Kafka is away; edges are (their events wait in the outbox).
      wait_until "$START_TIMEOUT" "liveness (/q/health/live UP)" "$name" app_live "$name"
      say "central   live on http://127.0.0.1:$port; ready once kafka runs again"
    else
      wait_until "$START_TIMEOUT" "readiness (/q/health/ready UP)" "$name" app_ready "$name"
      say "$(printf '%-9s' "$name") ready on http://127.0.0.1:$port"
    fi
    ;;
  esac
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
stop | start)
  [ -n "${2:-}" ] || die "usage: $0 $1 NAME (postgres, kafka, central, edge1, ...)"
  if [ "$1" = stop ]; then do_stop_one "$2"; else do_start_one "$2"; fi
  ;;
logs)
  [ -n "${2:-}" ] || die "usage: $0 logs NAME (postgres, kafka, central, edge1, ...)"
  exec tail -n 200 -f "$DIR/$2/$2.log"
  ;;
*)
  # The header comment of this file is its help.
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit 2
  ;;
esac
