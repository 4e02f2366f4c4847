# Shared by ./quickstart, interop/run and bench/run (source it; it defines functions only):
# lays out the demo deployment in a directory and starts its programs from the built jars.
# Every function returns non-zero on failure and leaves the reporting to its caller.

demo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
demo_pids=()

# Writes a throw-away PKI, the demo domains and configs for a server on port $2 into $1.
demo_prepare() {
  local dir="$1" port="$2"
  mkdir -p "$dir" &&
    "$demo_root/client/target/bin/demo-pki" -out "$dir/pki" > "$dir/pki.log" 2>&1 &&
    rm -rf "$dir/domains" &&
    cp -r "$demo_root/deploy/demo/domains" "$dir/domains" &&
    sed "s/port: 4443/port: $port/; s/localhost:4443/localhost:$port/" \
      "$demo_root/deploy/demo/server.yaml" > "$dir/server.yaml" &&
    sed "s/uid: __UID__/uid: $(id -u)/; s/localhost:4443/localhost:$port/" \
      "$demo_root/deploy/demo/agent.yaml" > "$dir/agent.yaml"
}

# Starts jar $2 with the remaining arguments, output to log $1; its pid joins demo_pids.
# The serial collector keeps each JVM to one thread of GC work on a small machine.
demo_start() {
  local log="$1" jar="$2"
  shift 2
  java -XX:+UseSerialGC ${DEMO_JAVA_OPTS:-} -jar "$demo_root/$jar" "$@" > "$log" 2>&1 &
  demo_pids+=($!)
}

# Waits until $2 appears in log $1 while the last started process lives; at most 60 s.
demo_wait_for() {
  local log="$1" line="$2" pid="${demo_pids[-1]}"
  for _ in $(seq 1 600); do
    grep -q "$line" "$log" 2> /dev/null && return 0
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  tail -n 20 "$log" >&2
  return 1
}

# Starts the token server with the config in directory $1.
demo_start_server() {
  demo_start "$1/server.log" server/target/athenz-svid-server.jar --config "$1/server.yaml" &&
    demo_wait_for "$1/server.log" "listening on https://"
}

# Starts the agent with the config in directory $1 on socket $2.
demo_start_agent() {
  mkdir -p "$(dirname "$2")" &&
    demo_start "$1/agent.log" agent/target/athenz-svid-agent.jar --config "$1/agent.yaml" \
      --socket "$2" &&
    demo_wait_for "$1/agent.log" "serving Workload API"
}

# Stops every process demo_start started and waits for each.
demo_stop() {
  local pid
  for pid in "${demo_pids[@]}"; do
    kill "$pid" 2> /dev/null || true
  done
  for pid in "${demo_pids[@]}"; do
    wait "$pid" 2> /dev/null || true
  done
  demo_pids=()
}
