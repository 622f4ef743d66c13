#!/bin/sh
# SPDX-License-Identifier: MIT
# The fresh-machine check: what a newcomer meets on a new Debian 12 machine.
#
#   tests/fresh/check.sh [--cache DIR|--no-cache] [--keep] [--mirror URL]
#   make fresh [FRESH_FLAGS='--keep ...']
#
# As root (debootstrap and chroot need it); `make fresh` installs
# debootstrap first (scripts/setup-deps.sh --fresh); `.ci/run` runs it after
# `make test`. On a 2-core machine shared with heavy builds it took 6 to 8
# minutes, about half debootstrap and half `make run` (apt and the build);
# a warm download cache saves little there. Each step has a time limit
# against hangs.
#
#  1. builds a minimal Debian 12 tree with debootstrap: minbase plus what a
#     new machine of ours starts with (gcc, g++, make, cmake, git,
#     ca-certificates), and the host's resolver configuration and CA bundle
#     (TLS to the package registries fails inside the tree without them);
#  2. clones this checkout's committed HEAD into /root/som (uncommitted
#     changes are not checked: commit first);
#  3. runs `make run` there as root in a chroot, which installs the Debian
#     packages it needs itself, and fails unless it succeeds and out/ holds
#     every picture scripts/run-demo.sh draws, each a real PNG, SVG or PDF;
#  4. `make install PREFIX=/opt/som-stage`, then builds examples/quickstart.c
#     against the installed library through `pkg-config som` (with
#     PKG_CONFIG_PATH into the staging prefix) and runs it, and reads the
#     model it wrote with the installed `som info`;
#  5. installs man-db in the tree (minbase lacks it), finds the staged page
#     with MANPATH into the staging prefix, then `make install` to the default
#     /usr/local and `man som` shows the page, without a warning.
#
# Options:
#   --cache DIR  keep debootstrap's and apt's downloads in DIR between runs
#                (default /var/cache/som-fresh; a clean CI machine simply
#                starts with an empty one)
#   --no-cache   download everything
#   --keep       leave the tree (under $TMPDIR or /var/tmp) for a look; its
#                mounts are removed all the same
#   --mirror URL the Debian mirror (default http://deb.debian.org/debian)
#
# proc, sys, dev and dev/pts are mounted into the tree while it is used and
# unmounted on every way out (success, failure, Ctrl-C, SIGTERM, SIGHUP),
# after the processes still running inside the tree are stopped; the tree is
# deleted only once nothing is mounted under it. Exit status: 0 when every
# step passed, 1 when one failed, 2 on bad usage.
set -u

usage() {
    sed -n '5,6p' "$0" | sed 's/^# *//' >&2
    exit 2
}
CACHE=/var/cache/som-fresh
KEEP=0
MIRROR=http://deb.debian.org/debian
SUITE=bookworm
while [ $# -gt 0 ]; do
    case $1 in
        --cache) [ $# -ge 2 ] || usage; CACHE=$2; shift 2 ;;
        --no-cache) CACHE=; shift ;;
        --keep) KEEP=1; shift ;;
        --mirror) [ $# -ge 2 ] || usage; MIRROR=$2; shift 2 ;;
        -h|--help) sed -n '3,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "fresh: unknown option '$1'" >&2; usage ;;
    esac
done

say() { echo "fresh: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot); try: sudo $0"
for tool in debootstrap chroot mount umount git timeout; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool is missing (scripts/setup-deps.sh --fresh installs debootstrap)"
done
for f in /etc/resolv.conf /etc/ssl/certs/ca-certificates.crt; do
    [ -r "$f" ] || die "$f is missing on this machine; the tree needs a copy of it"
done
REPO=$(cd "$(dirname "$0")/../.." && pwd)
HEAD=$(git -C "$REPO" rev-parse HEAD) || die "$REPO is not a git checkout"
if [ -n "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    say "note: uncommitted changes in $REPO are not part of the check (HEAD $HEAD is)"
fi
case $CACHE in ''|/*) ;; *) CACHE=$(pwd)/$CACHE ;; esac

WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/som-fresh.XXXXXX") || die "cannot make a work directory"
TREE=$WORK/tree
STAGE=/opt/som-stage
child=

# Every mount point under the tree, deepest first (from /proc/mounts, so that
# mounts left by an interrupted debootstrap are found too).
mounts_under_tree() {
    awk -v t="$TREE" '$2 == t || index($2, t "/") == 1 { print $2 }' /proc/mounts | sort -r
}
# Processes whose root directory is the tree: the ones this check started
# inside it (apt, make, the compilers, som).
procs_in_tree() {
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$TREE" ] && echo "${p#/proc/}"
    done
}
cleanup() {
    status=$?
    trap - EXIT INT TERM HUP
    [ -n "$child" ] && kill -TERM "$child" 2>/dev/null
    pids=$(procs_in_tree)
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill -TERM $pids 2>/dev/null
        sleep 2
        pids=$(procs_in_tree)
        # shellcheck disable=SC2086
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null && sleep 1
    fi
    for m in $(mounts_under_tree); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
    done
    if [ -n "$(mounts_under_tree)" ]; then
        # Never delete a tree that still shows the host's /dev or /proc.
        say "still mounted under $TREE, so it is left in place: $(mounts_under_tree | tr '\n' ' ')"
        [ "$status" -eq 0 ] && status=1
    elif [ "$KEEP" -eq 1 ]; then
        say "the tree is kept in $TREE (chroot $TREE /bin/bash to look around)"
    else
        rm -rf "$WORK"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'say "interrupted (SIGINT)"; exit 130' INT
trap 'say "interrupted (SIGTERM)"; exit 143' TERM
trap 'say "interrupted (SIGHUP)"; exit 129' HUP

# wait_for LIMIT_SECONDS COMMAND...: runs COMMAND in the background and waits
# for it, so that a signal reaches the traps above at once rather than when
# the command ends; a command past its limit is stopped (exit status 124).
wait_for() {
    limit=$1
    shift
    timeout --kill-after=10 "$limit" "$@" &
    child=$!
    wait "$child"
    rc=$?
    child=
    return "$rc"
}
# in_tree LIMIT SCRIPT: runs SCRIPT with sh as root inside the tree, in the
# environment of a new login (nothing of this shell's but the terminal type).
in_tree() {
    wait_for "$1" chroot "$TREE" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/sh -ec "$2"
}
now() { date +%s; }
t0=$(now)
step_start=$t0
step_done() {
    t=$(now)
    say "$1 ($((t - step_start)) s)"
    times="$times
  $1: $((t - step_start)) s"
    step_start=$t
}
times=

# 1. The tree.
say "debootstrap $SUITE (minbase + gcc g++ make cmake git ca-certificates) into $TREE"
set -- --variant=minbase --include=gcc,g++,make,cmake,git,ca-certificates
if [ -n "$CACHE" ]; then
    mkdir -p "$CACHE/debootstrap" "$CACHE/apt/partial" || die "cannot make $CACHE"
    set -- "$@" --cache-dir="$CACHE/debootstrap"
fi
wait_for 600 debootstrap "$@" "$SUITE" "$TREE" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
    tail -20 "$WORK/debootstrap.log" >&2
    die "debootstrap failed (log above; mirror $MIRROR)"
}
cp /etc/resolv.conf "$TREE/etc/resolv.conf" &&
    cp /etc/ssl/certs/ca-certificates.crt "$TREE/etc/ssl/certs/ca-certificates.crt" ||
    die "cannot copy the resolver configuration and the CA bundle into the tree"
mount -t proc proc "$TREE/proc" &&
    mount -t sysfs sysfs "$TREE/sys" &&
    mount --bind /dev "$TREE/dev" &&
    mount --bind /dev/pts "$TREE/dev/pts" || die "cannot mount proc, sys, dev into the tree"
if [ -n "$CACHE" ]; then
    # apt's downloads (what `make run` installs) are kept for the next run.
    mount --bind "$CACHE/apt" "$TREE/var/cache/apt/archives" || die "cannot mount $CACHE/apt"
fi
step_done "tree built"

# 2. The checkout, as committed. Fetching HEAD by name also works when HEAD
# is detached (as in CI) or in a worktree.
say "cloning $REPO at $HEAD"
git -c safe.directory='*' clone --quiet --no-checkout "file://$REPO" "$TREE/root/som" &&
    git -c safe.directory='*' -C "$TREE/root/som" fetch --quiet "file://$REPO" HEAD &&
    git -C "$TREE/root/som" checkout --quiet --detach FETCH_HEAD || die "cannot clone $REPO"
[ "$(git -C "$TREE/root/som" rev-parse HEAD)" = "$HEAD" ] || die "the clone is not at $HEAD"
step_done "cloned"

# 3. make run, as a newcomer types it.
say "make run (in the tree, as root)"
in_tree 900 'cd /root/som && make run' || die "make run failed in the fresh tree (exit status $?)"
pictures=$(sed -n 's/^ *picture \([^ ]*\) .*/\1/p' "$REPO/scripts/run-demo.sh")
[ -n "$pictures" ] || die "found no 'picture NAME' lines in scripts/run-demo.sh"
missing=
for p in $pictures; do
    f=$TREE/root/som/out/$p
    case $p in
        *.png) magic=$(head -c 4 "$f" 2>/dev/null | tail -c 3) want=PNG ;;
        *.pdf) magic=$(head -c 4 "$f" 2>/dev/null) want=%PDF ;;
        *.svg) magic=$(grep -o -m1 '<svg' "$f" 2>/dev/null) want='<svg' ;;
        *) magic= want=? ;;
    esac
    [ "$magic" = "$want" ] || missing="$missing $p"
done
[ -z "$missing" ] || die "make run succeeded but out/ lacks these pictures (or they are not pictures):$missing"
for m in iris colours optim; do
    [ -s "$TREE/root/som/out/$m.som" ] || die "make run succeeded but out/$m.som is missing"
done
say "out/ holds $(echo $pictures | wc -w) pictures and 3 models"
step_done "make run"

# 4. make install, and a program of one's own built through pkg-config.
say "make install PREFIX=$STAGE; examples/quickstart.c through pkg-config som"
in_tree 600 "cd /root/som && make install PREFIX=$STAGE >/tmp/install.log
    export PKG_CONFIG_PATH=$STAGE/lib/pkgconfig
    echo \"pkg-config som: \$(pkg-config --modversion som): \$(pkg-config --cflags --libs som)\"
    cc -Wall -Wextra -Werror -o /tmp/quickstart examples/quickstart.c \$(pkg-config --cflags --libs som)
    cd /tmp && LD_LIBRARY_PATH=$STAGE/lib ./quickstart /root/som/data/iris.csv /tmp/quickstart.som >quickstart.out
    cat quickstart.out
    grep -q '^row 1 -> unit ' quickstart.out
    $STAGE/bin/som info /tmp/quickstart.som | head -3" ||
    die "make install or the quickstart example through pkg-config failed (exit status $?)"
step_done "make install + quickstart"

# 5. The manual page, where man looks for it. minbase has no man, which
# anyone who reads manual pages has: the tree gets man-db here, after the
# checks above.
page=$STAGE/share/man/man1/som.1
[ -s "$TREE$page" ] || die "make install did not install the manual page as $page"
say "man som: man-db into the tree; make install (PREFIX /usr/local, the default)"
in_tree 600 "export DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes
    apt-get install -y -qq --no-install-recommends man-db >/dev/null
    fail() { echo \"\$*\" >&2; exit 1; }
    found=\$(MANPATH=$STAGE/share/man man -w som)
    [ \"\$found\" = $page ] || fail \"man -w som with MANPATH=$STAGE/share/man gives '\$found'\"
    MANWIDTH=80 man -l $page >/tmp/man.txt 2>/tmp/man.err
    grep -q '^NAME' /tmp/man.txt && [ ! -s /tmp/man.err ] ||
        fail \"man -l $page: \$(head -3 /tmp/man.err)\"
    cd /root/som && make install >/tmp/install-default.log
    found=\$(man -w som)
    # (/usr/local/man is a link to /usr/local/share/man on Debian)
    [ \"\$(readlink -f \"\$found\")\" = /usr/local/share/man/man1/som.1 ] ||
        fail \"man -w som gives '\$found', not /usr/local/share/man/man1/som.1\"
    MANWIDTH=80 man som >/tmp/man.txt 2>/tmp/man.err
    grep -q '^NAME' /tmp/man.txt && [ ! -s /tmp/man.err ] || fail \"man som: \$(head -3 /tmp/man.err)\"
    sed -n '1,4p' /tmp/man.txt
    som --version" || die "man som does not show the installed page (exit status $?)"
step_done "man page"

say "passed in $(($(now) - t0)) s:$times"
