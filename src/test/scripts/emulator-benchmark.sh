#!/usr/bin/env bash
# Load benchmark of the DynamoDB emulator (not a test): wrk drives a mixed DescribeContinuousBackups /
# UpdateContinuousBackups load from CONNECTIONS concurrent clients on loopback against the
# standalone emulator, and this prints requests/s, latency percentiles and the emulator's own call
# counts. Usage: src/test/scripts/emulator-benchmark.sh   (environment: CONNECTIONS=64 DURATION=10
# WARMUP=3 UPDATE_PERCENT=20 TABLES=64 PORT=8765; durations in seconds)
set -euo pipefail
cd "$(dirname "$0")/../../.."

connections="${CONNECTIONS:-64}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
port="${PORT:-8765}"
export TABLES="${TABLES:-64}" UPDATE_PERCENT="${UPDATE_PERCENT:-20}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "emulator-benchmark: wrk is required as the load generator: apt-get install wrk" >&2
  exit 1
fi

./mvnw -q compile dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt \
  -Dmdep.includeScope=runtime
tables=()
for ((i = 0; i < TABLES; i++)); do tables+=(--table "bench-$i"); done
java -cp "target/classes:$(cat target/runtime-classpath.txt)" io.pitr.emulator.DynamoDbEmulatorMain \
  --port "$port" --region us-east-1 "${tables[@]}" >target/emulator-benchmark.log 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null; wait "$emulator" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/" >/dev/null && break
  sleep 0.1
done

script=src/test/scripts/emulator-mixed-load.lua
threads=$(nproc)
echo "Emulator benchmark: $connections connections, $UPDATE_PERCENT% updates over $TABLES tables," \
  "$warmup s warm-up, $duration s measured, wrk with $threads threads, $(nproc) cores"
wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$script" "http://127.0.0.1:$port/" >/dev/null
curl -sf -X DELETE "http://127.0.0.1:$port/_emulator/calls" >/dev/null
wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$script" "http://127.0.0.1:$port/" |
  sed -n '/^requests:/,$p'
echo "emulator counted: $(curl -sf "http://127.0.0.1:$port/_emulator/calls" |
  python3 -c 'import json,sys; c=json.load(sys.stdin); print(", ".join(f"{k} {v}" for k,v in c.items() if v))')"
