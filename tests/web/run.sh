#!/bin/sh
# SPDX-License-Identifier: MIT
# Tests of `som serve`, run by ctest:
#
#   tests/web/run.sh api|browser|browser-page|limits|settings|explorer SOM ROOT
#
# Starts SOM serve on a free loopback port (--port 0; the address is read
# from its first line of output), runs the node tests of the kind asked for
# against it (node's own test runner: api.test.js needs nothing but node;
# browser.test.js needs playwright-core from tests/web/node_modules, `npm ci`,
# and Debian's chromium), then stops the server with SIGINT (api, settings) or SIGTERM
# (browser) and checks that it shut down cleanly: exit status 0, and under
# ASan no leak report. limits.test.js starts its own servers (with the flags
# it tests: connection limits, uploads, the token) from SOM.
#
# Exit status: 0 passed, 1 failed, 77 skipped (what the tests need is not
# installed: `make test` installs it, through scripts/setup-deps.sh --web).
set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 api|browser|browser-page|limits|settings|explorer SOM ROOT" >&2
    exit 2
fi
KIND=$1
SOM=$2
ROOT=$3
case $SOM in /*) ;; *) SOM=$(pwd)/$SOM ;; esac
case $ROOT in /*) ;; *) ROOT=$(pwd)/$ROOT ;; esac
HERE=$ROOT/tests/web

skip() {
    echo "skipped: $1" >&2
    exit 77
}

command -v node >/dev/null 2>&1 || skip "node is not installed (scripts/setup-deps.sh --web)"
if [ "$KIND" = browser ] || [ "$KIND" = browser-page ]; then
    CHROMIUM=${SOM_CHROMIUM:-/usr/bin/chromium}
    [ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (scripts/setup-deps.sh --web)"
    [ -f "$HERE/node_modules/playwright-core/package.json" ] ||
        skip "playwright-core is not installed (scripts/setup-deps.sh --web runs npm ci)"
    export SOM_CHROMIUM=$CHROMIUM
fi

# The limits tests start servers of their own, with the flags they test.
if [ "$KIND" = limits ]; then
    export SOM_BIN=$SOM
    export SOM_WEB_SHOTS=${SOM_WEB_SHOTS:-$(pwd)/web-shots}
    cd "$HERE" || exit 1
    exec node --test "$HERE/limits.test.js"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/som-web.XXXXXX") || exit 1
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -KILL "$PID" 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A small upload limit makes the oversized-upload tests cheap; 3 jobs at
# once leave room for the queue tests.
"$SOM" serve --port 0 --max-upload 1M --jobs 2 --threads 1 >"$WORK/out" 2>"$WORK/err" &
PID=$!
i=0
while [ ! -s "$WORK/out" ] && [ $i -lt 200 ]; do
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    sleep 0.05
    i=$((i + 1))
done
URL=$(head -n 1 "$WORK/out")
case $URL in
    http://127.0.0.1:*/) ;;
    *)
        echo "som serve did not start:" >&2
        cat "$WORK/err" >&2
        exit 1
        ;;
esac
echo "server: $URL (pid $PID)"

export SOM_URL=$URL
export SOM_ROOT=$ROOT
export SOM_BIN=$SOM # settings.test.js and api.test.js run som beside the server
export SOM_WEB_SHOTS=${SOM_WEB_SHOTS:-$(pwd)/web-shots}
cd "$HERE" || exit 1
node --test "$HERE/$KIND.test.js"
status=$?

# Clean shutdown: the server exits 0 within a few seconds of SIGINT (the
# API run: Ctrl-C, which a shell starts background jobs ignoring) or
# SIGTERM (the browser run).
SIGNAL=TERM
case $KIND in browser*) ;; *) SIGNAL=INT ;; esac
kill -"$SIGNAL" "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.05
    i=$((i + 1))
done
if kill -0 "$PID" 2>/dev/null; then
    echo "FAILED: som serve did not stop within 10 s of SIG$SIGNAL" >&2
    status=1
else
    wait "$PID"
    rc=$?
    PID=
    if [ $rc -ne 0 ]; then
        echo "FAILED: som serve exited with status $rc after SIG$SIGNAL" >&2
        status=1
    fi
fi
if [ $status -ne 0 ]; then
    echo "--- som serve's standard error:" >&2
    tail -n 60 "$WORK/err" >&2
fi
exit $status
