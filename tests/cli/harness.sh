# SPDX-License-Identifier: MIT
# The case harness shared by the CLI test scripts (sourced, not run).
# A case is: begin NAME; run ARGS... (or run_sh 'COMMAND'); expect_* checks;
# end. Each script prints a closing "N passed, N failed" line from the
# counters below. Needs $SOM (the program) and the current directory to be
# the script's work directory.

passed=0
failed=0
name=
bad=

# begin NAME: starts a case.
begin() {
    name=$1
    bad=
}

# note MESSAGE: records a failed check of the current case.
note() {
    bad="$bad
    $1"
}

# run ARGS...: runs som with ARGS, stdout and stderr into NAME.out/.err.
run() {
    "$SOM" "$@" >"$name.out" 2>"$name.err"
    rc=$?
}

# run_sh COMMAND: the same for a shell command line (pipes, stdin).
run_sh() {
    sh -c "$1" >"$name.out" 2>"$name.err"
    rc=$?
}

expect_rc() {
    [ "$rc" -eq "$1" ] || note "exit status $rc, expected $1"
}

# expect_grep STREAM ERE: a line of NAME.STREAM matches ERE.
expect_grep() {
    grep -Eq -- "$2" "$name.$1" || note "$1 has no line matching /$2/"
}

expect_empty() {
    [ -s "$name.$1" ] && note "$1 is not empty"
}

expect_no_file() {
    [ -e "$1" ] && note "$1 exists"
    # Nor the temporary an atomic writer would have left behind.
    for t in "$1".tmp.*; do
        [ -e "$t" ] && note "temporary $t left behind"
    done
}

# end: closes the case, counts it, and shows the streams of a failure.
end() {
    if [ -z "$bad" ]; then
        passed=$((passed + 1))
        echo "ok      $name"
    else
        failed=$((failed + 1))
        echo "FAILED  $name$bad"
        for s in out err; do
            if [ -s "$name.$s" ]; then
                echo "    --- std$s:"
                head -15 "$name.$s" | sed 's/^/    | /'
            fi
        done
    fi
}
