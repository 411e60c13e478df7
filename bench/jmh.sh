#!/usr/bin/env bash
# JMH microbenchmarks alone (OData parser/translator, event codec), with JMH's own options, e.g.
#   bench/jmh.sh                         every benchmark, JMH defaults
#   bench/jmh.sh -f 1 -wi 3 -i 5 ODataBenchmark
#   bench/jmh.sh --help                  this help, and JMH's options once the bench build exists
# Needs the bench build (bench/run.sh builds it; or ./mvnw -Pbench -DskipTests package); builds it when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

classpath_file=target/bench/bench-classpath.txt

usage() {
    cat <<'EOF_USAGE'
Usage: bench/jmh.sh [JMH options] [benchmark regexp]

Runs the JMH microbenchmarks of src/bench (package io.edgesync.bench.jmh) without the rest of the harness.
Without arguments every benchmark runs with JMH's defaults. Examples:

  bench/jmh.sh -l                              list the benchmarks
  bench/jmh.sh -f 1 -wi 3 -i 5 ODataBenchmark  one class, 1 fork, 3 warm-up and 5 measured iterations

Needs the bench build in target/bench; the first run builds it when it is missing
(./mvnw -q -B -Pbench -DskipTests package, a minute or two).
EOF_USAGE
    if [[ -f "$classpath_file" ]]; then
        echo
        echo "JMH's options:"
        java -cp "target/bench/test-classes:target/bench/classes:$(cat "$classpath_file")" org.openjdk.jmh.Main -h
    else
        echo "JMH's own options are listed here once the bench build exists."
    fi
}

for arg in "$@"; do
    if [[ "$arg" == -h || "$arg" == --help ]]; then usage && exit 0; fi
done

if [[ ! -f "$classpath_file" ]]; then
    ./mvnw -q -B -Pbench -DskipTests package
fi
classpath="target/bench/test-classes:target/bench/classes:$(cat "$classpath_file")"
exec java -cp "$classpath" org.openjdk.jmh.Main "${@:-io.edgesync.bench.jmh}"
