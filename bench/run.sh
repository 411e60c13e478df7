#!/usr/bin/env bash
# EdgeSync benchmark: builds the application and the harness into target/bench (profile "bench"), then runs the
# harness, which starts the gateway from the packaged jar with its embedded PostgreSQL and Kafka in a temporary
# directory, the Azure Mobile Apps Node.js reference server when Node.js is present, and the scenarios of
# docs/performance.md.
#
#   bench/run.sh              full run (~15 min on 2 cores)
#   bench/run.sh --quick      short run (~5 min), reduced sizes
#   bench/run.sh --help       every option (scenarios, concurrency, durations, data sizes, --jfr, ...)
#
# Set BENCH_SKIP_BUILD=1 to reuse the last build. Results: target/bench/results/<time>/results.{md,json}
# (and target/bench/results/latest.{md,json}). See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

# The option list lives in the harness (BenchOptions.USAGE). Help reads it from the source, so that it needs no build.
usage() {
    local options
    options="$(awk '/static final String USAGE = """/ { on = 1; next }
                    on && /""";/ { exit }
                    on { sub(/^            /, ""); print }' src/bench/java/io/edgesync/bench/BenchOptions.java 2>/dev/null || true)"
    if [[ -n "$options" ]]; then
        printf '%s\n' "$options"
    else
        echo "Usage: bench/run.sh [--quick] [options of the harness]"
    fi
    cat <<'EOF_USAGE'

Environment:
  BENCH_SKIP_BUILD=1      reuse the last build in target/bench (otherwise every run rebuilds it first, 1-2 min)

Results: target/bench/results/<time>/results.{md,json}, and target/bench/results/latest.{md,json}.
JMH microbenchmarks alone: bench/jmh.sh --help.
EOF_USAGE
}

for arg in "$@"; do
    if [[ "$arg" == -h || "$arg" == --help ]]; then usage && exit 0; fi
done

if [[ "${BENCH_SKIP_BUILD:-0}" != "1" ]]; then
    echo "Building the application and the harness into target/bench ..."
    # target/bench is the benchmark's own build directory: start it afresh, so that no stale class or migration of
    # an earlier build ends up in the application under test.
    rm -rf target/bench/classes target/bench/test-classes target/bench/quarkus-app target/bench/quarkus
    ./mvnw -q -B -Pbench -DskipTests package
fi

classpath="target/bench/test-classes:target/bench/classes:$(cat target/bench/bench-classpath.txt)"
exec java -Xmx1g -XX:+UseParallelGC -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -cp "$classpath" io.edgesync.bench.BenchMain "$@"
