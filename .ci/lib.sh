# Shared by the .ci checks that start a server: source it, don't run it.

# A free TCP port on 127.0.0.1, never 8000 (make run's default), so a check can tell
# "the issuer follows PORT" from "the issuer is the default".
free_port() {
  python3 -c '
import socket
while True:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    if port != 8000: break
print(port)'
}

# wait_healthy <base URL> <server pid> <server log>: until <base>/health answers 2xx.
# Fails (printing the log) when the server exits first or stays unhealthy for 120 tries.
wait_healthy() {
  local base=$1 pid=$2 log=$3
  for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$base/health" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "the server exited before $base/health answered" >&2; return 1; fi
    sleep 1
  done
  cat "$log"; echo "$base/health did not answer" >&2; return 1
}
