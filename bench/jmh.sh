#!/usr/bin/env bash
# JMH microbenchmarks alone (OData parser/translator, event codec), with JMH's own options, e.g.
#   bench/jmh.sh                         every benchmark, JMH defaults
#   bench/jmh.sh -f 1 -wi 3 -i 5 ODataBenchmark
# Needs the bench build (bench/run.sh builds it; or ./mvnw -Pbench -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f target/bench/bench-classpath.txt ]]; then
    ./mvnw -q -B -Pbench -DskipTests package
fi
classpath="target/bench/test-classes:target/bench/classes:$(cat target/bench/bench-classpath.txt)"
exec java -cp "$classpath" org.openjdk.jmh.Main "${@:-io.edgesync.bench.jmh}"
