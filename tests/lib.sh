# tests/lib.sh - shared helpers for the shell-level mount tests.
#
# Source it, then use fsp_start_fs / fsp_wait_mounted / pass / fail.
# Every mount made through fsp_start_fs is unmounted and every process it
# started is ended (by PID) when the test exits, whatever the exit path.
set -u
: "${FSP_BUILD:?run through tests/run-tests.sh or set FSP_BUILD}"

# run-tests.sh points FSP_TEST_ROOT at a directory of its own, so it can
# tell this run's mounts from anybody else's.
FSP_TMP=$(mktemp -d "${FSP_TEST_ROOT:-/tmp}/fsp-test.XXXXXX")
_fsp_pids=()
_fsp_mounts=()
_fsp_failed=0

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; _fsp_failed=1; }
check() { # check NAME CMD... : PASS if CMD succeeds
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# fsp_need_tools TEST TOOL...: end TEST (failed) unless every TOOL is a
# command; scripts/deps.sh installs them.
fsp_need_tools() {
    local test=$1 tool
    shift
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null; then
            fail "$test: $tool is installed (scripts/deps.sh)"
            fsp_done
        fi
    done
}

# fsp_need_built TEST BIN...: end TEST (failed) unless every BIN was built.
fsp_need_built() {
    local test=$1 bin
    shift
    for bin in "$@"; do
        if [ ! -x "$bin" ]; then
            fail "$test: $bin is built"
            fsp_done
        fi
    done
}

# fsp_need_root TEST WHY: end TEST (skipped, not failed) unless run as root.
fsp_need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP $1 needs root ($2)"
        fsp_done
    fi
}

# fsp_need_tmpfs MESSAGE DIR NAME OPTIONS: fsp_mount_tmpfs DIR NAME OPTIONS,
# or end the test (failed: MESSAGE).
fsp_need_tmpfs() {
    local msg=$1
    shift
    fsp_mount_tmpfs "$@" && return 0
    fail "$msg"
    fsp_done
}

# fsp_need_logged MESSAGE ID DIR CMD...: fsp_start_logged ID DIR CMD..., or
# end the test (failed: MESSAGE).
fsp_need_logged() {
    local msg=$1
    shift
    fsp_start_logged "$@" && return 0
    fail "$msg"
    fsp_done
}

# fsp_same NAME WANT GOT: PASS when the two strings are equal.
fsp_same() {
    if [ "$2" = "$3" ]; then pass "$1"; else
        fail "$1"
        echo "    want: $2"
        echo "    got:  $3"
    fi
}

# fsp_expect NAME EXPECTED SCRIPT: PASS when SCRIPT (bash, run with a 60 s
# bound in a fresh directory $M/t<N> that everybody may use) prints
# EXPECTED. A volume that cannot take a directory (read-only, flat) runs
# SCRIPT in the directory the caller names: FSP_EXPECT_DIR=$M fsp_expect ...
_fsp_expect_n=0
fsp_expect() {
    local name=$1 want=$2 script=$3 got dir=${FSP_EXPECT_DIR:-}
    if [ -z "$dir" ]; then
        _fsp_expect_n=$((_fsp_expect_n + 1))
        dir=$M/t$_fsp_expect_n
        mkdir -p "$dir" && chmod 0777 "$dir"
    fi
    got=$(cd "$dir" && timeout 60 bash -c "$script" 2>&1)
    if [ "$got" == "$want" ]; then
        pass "$name"
    else
        fail "$name"
        echo "    expected: $(echo "$want" | head -12)"
        echo "    got:      $(echo "$got" | head -12)"
    fi
}

is_mounted() { grep -q " $1 fuse" /proc/self/mounts; }

# fsp_wait_mounted DIR [SECONDS]: wait (bounded) until DIR is a FUSE mount.
fsp_wait_mounted() {
    local dir=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        is_mounted "$dir" && return 0
        sleep 0.05
    done
    return 1
}

# fsp_wait_unmounted DIR [SECONDS]
fsp_wait_unmounted() {
    local dir=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        is_mounted "$dir" || return 0
        sleep 0.05
    done
    return 1
}

# fsp_start_fs DIR CMD...: start a file system in the background that mounts
# on DIR; sets FSP_PID. Returns non-zero if it did not mount in time.
fsp_start_fs() {
    local dir=$1; shift
    mkdir -p "$dir"
    "$@" &
    FSP_PID=$!
    _fsp_pids+=("$FSP_PID")
    _fsp_mounts+=("$dir")
    fsp_wait_mounted "$dir" 10
}

# fsp_start_logged ID DIR CMD...: fsp_start_fs DIR CMD... -m DIR, with CMD's
# stdout in $FSP_TMP/ID.out and stderr in $FSP_TMP/ID.err; sets FSP_PID (CMD
# itself, through exec). Fails, showing CMD's stderr, if it did not mount.
fsp_start_logged() {
    local id=$1 dir=$2
    shift 2
    # shellcheck disable=SC2016 # $1, $2 and $@ are the inner shell's
    if fsp_start_fs "$dir" sh -c 'out=$1 err=$2; shift 2; exec "$@" >"$out" 2>"$err"' sh \
        "$FSP_TMP/$id.out" "$FSP_TMP/$id.err" "$@" -m "$dir"; then
        return 0
    fi
    echo "    $* -m $dir did not mount within 10 s; its stderr:"
    tail -20 "$FSP_TMP/$id.err" 2>/dev/null | sed 's/^/    /'
    return 1
}

# fsp_start_to_log MESSAGE DIR CMD...: fsp_start_fs DIR CMD..., with CMD's
# stdout and stderr in DIR.log. If it did not mount: FAIL MESSAGE, the log's
# tail, CMD stopped, and a non-zero return.
fsp_start_to_log() {
    local msg=$1 dir=$2
    shift 2
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if fsp_start_fs "$dir" sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$dir.log" "$@"; then
        return 0
    fi
    fail "$msg"
    sed 's/^/    /' "$dir.log" 2>/dev/null | tail -20
    fsp_stop_fs "$FSP_PID" "$dir"
    return 1
}

# fsp_mount_tmpfs DIR NAME OPTIONS: mount a tmpfs (a reference file system)
# on DIR; it is unmounted at exit, before $FSP_TMP is removed, unless
# fsp_umount_tmpfs did so first. Needs root.
_fsp_tmpfs=()
fsp_mount_tmpfs() {
    mkdir -p "$1"
    timeout 10 mount -t tmpfs -o "$3" "$2" "$1" || return 1
    _fsp_tmpfs+=("$1")
}

# fsp_umount_tmpfs DIR: unmount a tmpfs of fsp_mount_tmpfs (lazily if busy).
fsp_umount_tmpfs() {
    grep -q " $1 tmpfs " /proc/self/mounts || return 0
    timeout 10 umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null
}

# fsp_dev_fuse_for_users: let other users open /dev/fuse, as their mounts
# through fusermount3 need (0666 is the norm; some containers ship 0600).
# Its mode is restored at exit.
_fsp_devmode=
fsp_dev_fuse_for_users() {
    local mode
    mode=$(stat -c %a /dev/fuse) || return 1
    [ "$mode" = 666 ] && return 0
    [ -n "$_fsp_devmode" ] || _fsp_devmode=$mode
    chmod 0666 /dev/fuse
}

# fsp_wait_exit PID SECONDS: bounded wait for PID (a child of this shell) to
# end; its exit status in RC. Fails if it is still running.
fsp_wait_exit() {
    local pid=$1 limit=$2 i
    RC=
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "    pid $pid still running after $limit s"
        return 1
    fi
    wait "$pid"
    RC=$?
    return 0
}

# stop_with SIG PID DIR: send SIG; PID must exit 0 and DIR be unmounted,
# each within a bounded wait (FSP_STOP_LIMIT seconds, default 30).
stop_with() {
    local sig=$1 pid=$2 dir=$3
    kill -"$sig" "$pid" 2>/dev/null
    fsp_wait_exit "$pid" "${FSP_STOP_LIMIT:-30}" || return 1
    [ "$RC" -eq 0 ] || { echo "    exit status $RC"; return 1; }
    fsp_wait_unmounted "$dir" 5 || { echo "    $dir still mounted"; return 1; }
}

# fsp_stop_fs PID DIR: SIGTERM, wait bounded for exit and unmount.
# (A PID still running after 10 s is left to the exit cleanup.)
fsp_stop_fs() {
    kill -TERM "$1" 2>/dev/null
    fsp_wait_exit "$1" 10 >/dev/null 2>&1
    fsp_wait_unmounted "$2" 5
}

_fsp_cleanup() {
    local pid dir
    for pid in "${_fsp_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    sleep 0.2
    for pid in "${_fsp_pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for dir in "${_fsp_mounts[@]}"; do
        if is_mounted "$dir"; then
            umount -l "$dir" 2>/dev/null || fusermount3 -uz "$dir" 2>/dev/null
        fi
    done
    for dir in "${_fsp_tmpfs[@]}"; do
        fsp_umount_tmpfs "$dir"
    done
    rm -rf "$FSP_TMP" 2>/dev/null
    [ -z "$_fsp_devmode" ] || chmod "$_fsp_devmode" /dev/fuse
}
trap _fsp_cleanup EXIT
trap 'exit 130' INT TERM

fsp_done() { exit "$_fsp_failed"; }
