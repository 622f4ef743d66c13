#!/bin/sh
# SPDX-License-Identifier: MIT
# A bounded load test of `som serve`: wrk (Debian's package, installed here
# when missing; never by `make test`) against a server on a free loopback
# port, for a fixed time per case, on
#   - /avatar/NAME.png?size=128, a different name per request (drawn each
#     time: the server keeps no picture cache), and the same name
#     revalidated with If-None-Match (304);
#   - POST /api/maps/ID/map, recognition of 1 row with a blank field, and
#     of 100 rows per request, on a 10x10 hex map of the iris data.
# It prints requests/s, latency, errors (socket errors and non-2xx/3xx
# replies) and the server's resident memory after each case and at its
# peak (VmHWM), then stops the server with SIGTERM and checks its exit.
#
#   bench/load-serve.sh [SOM] [SECONDS] [CONNECTIONS] [THREADS]
#   (defaults: build/som, 10 s, 16 connections, 2 wrk threads)
#
# Loopback only: the server binds 127.0.0.1 and wrk talks to it there.
set -eu

SOM=${1:-build/som}
SECONDS_PER_CASE=${2:-10}
CONNECTIONS=${3:-16}
THREADS=${4:-2}

if ! command -v wrk >/dev/null 2>&1; then
    echo "load-serve: installing wrk (Debian package)" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || { echo "load-serve: needs curl" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-load.XXXXXX")
PID=
cleanup() {
    [ -n "$PID" ] && kill -KILL "$PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"$SOM" serve --port 0 -q >"$WORK/url" 2>"$WORK/err" &
PID=$!
i=0
while [ ! -s "$WORK/url" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
URL=$(head -n 1 "$WORK/url")
URL=${URL%/}
case $URL in http://127.0.0.1:*) ;; *) echo "load-serve: som serve did not start" >&2; cat "$WORK/err" >&2; exit 1 ;; esac

mem() { # VmRSS and VmHWM of the server, MiB
    awk '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 } END { printf "%.1f MiB (peak %.1f MiB)", r / 1024, h / 1024 }' "/proc/$PID/status"
}

json_field() { # json_field KEY: the first string value of KEY on stdin
    sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n 1
}

# A map to recognise on: 10x10 hex, iris, 30 batch passes.
JOB=$(curl -sf -X POST -d '{"dataset":"iris","rows":10,"cols":10,"topology":"hex","epochs":30}' "$URL/api/jobs" | json_field id)
i=0
until curl -sf "$URL/api/jobs/$JOB" | grep -q '"state":"done"'; do
    sleep 0.1
    i=$((i + 1))
    [ $i -lt 300 ] || { echo "load-serve: training did not finish" >&2; exit 1; }
done
MAP=$(curl -sf -X POST -H 'Content-Type: application/json' -d "{\"job\":\"$JOB\"}" "$URL/api/maps" | json_field id)

cat >"$WORK/avatar.lua" <<'EOF'
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/avatar/user" .. n .. ".png?size=128")
end
EOF
ETAG=$(curl -sf -D - -o /dev/null "$URL/avatar/alice.png?size=128" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
cat >"$WORK/avatar304.lua" <<EOF
wrk.headers["If-None-Match"] = '$ETAG'
EOF
cat >"$WORK/one.lua" <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"rows":[[5.1,3.5,null,0.2]]}'
EOF
rows=""
for k in $(seq 1 100); do
    rows="$rows${rows:+,}[$((40 + k % 40)).$((k % 10)),3.$((k % 9)),null,$((k % 25)).$((k % 7))]"
done
cat >"$WORK/hundred.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"rows":[$rows]}'
EOF
# Each request must be answered as it should: spot-check one of each.
curl -sf "$URL/avatar/user1.png?size=128" -o "$WORK/a.png"
curl -sf -X POST -H 'Content-Type: application/json' -d '{"rows":[[5.1,3.5,null,0.2]]}' "$URL/api/maps/$MAP/map" | grep -q '"filled":\[2\]'

echo "som serve load test: $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${SECONDS_PER_CASE}s, $URL"
echo "server at start: $(mem)"
run_case() { # NAME SCRIPT PATH
    out=$WORK/$1.txt
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_PER_CASE}s" --timeout 10s --latency -s "$2" "$URL$3" >"$out" 2>&1
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$out")
    total=$(awk '/requests in/ { print $1 }' "$out")
    p50=$(awk '$1 == "50%" { print $2 }' "$out")
    p99=$(awk '$1 == "99%" { print $2 }' "$out")
    sock=$(awk '/Socket errors/ { print $0 }' "$out")
    non2xx=$(awk '/Non-2xx or 3xx/ { print $NF }' "$out")
    printf '%-28s %9s req/s  %8s requests  p50 %-8s p99 %-8s errors: %s%s  server %s\n' \
        "$1" "$rps" "$total" "$p50" "$p99" "${non2xx:-0} non-2xx/3xx" \
        "${sock:+, $sock}" "$(mem)"
}
run_case "avatar 128px, new names" "$WORK/avatar.lua" "/"
run_case "avatar 304 (If-None-Match)" "$WORK/avatar304.lua" "/avatar/alice.png?size=128"
run_case "recognize 1 row" "$WORK/one.lua" "/api/maps/$MAP/map"
run_case "recognize 100 rows" "$WORK/hundred.lua" "/api/maps/$MAP/map"

curl -sf "$URL/api/health" >/dev/null || { echo "load-serve: the server stopped answering" >&2; exit 1; }
kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=
if [ $rc -ne 0 ]; then
    echo "load-serve: som serve exited with status $rc" >&2
    cat "$WORK/err" >&2
    exit 1
fi
echo "server stopped cleanly (SIGTERM, exit 0)"
