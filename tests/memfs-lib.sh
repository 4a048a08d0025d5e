# shellcheck shell=bash
# tests/memfs-lib.sh - what the tests of MEMFS as a program share:
# starting it, and its usage errors. Sourced by tests/mount/memfs.sh and
# tests/mount/memfs_service.sh after tests/lib.sh, with MEMFS set.

# Our mounts only: other programs may mount and unmount meanwhile.
fuse_mounts() { grep -E " $FSP_TMP/[^ ]* fuse(\.[^ ]*)? " /proc/self/mounts || true; }

# start_memfs ID DIR MEMFS-OPTIONS...: lib.sh's fsp_start_logged for MEMFS
# (-m DIR added; output in $FSP_TMP/ID.{out,err}; sets FSP_PID).
start_memfs() {
    local id=$1 dir=$2
    shift 2
    fsp_start_logged "$id" "$dir" "$MEMFS" "$@"
}

# bad_usage NAME MESSAGE-REGEX ARGS...: MEMFS must exit 2 with a message
# matching MESSAGE-REGEX on stderr's first line, nothing on stdout, and no
# mount (ARGS name $FSP_TMP/bad as the mount point, if any).
bad_usage() {
    local name=$1 re=$2 dir=$FSP_TMP/bad rc before first
    shift 2
    mkdir -p "$dir"
    before=$(fuse_mounts)
    timeout -k 2 10 "$MEMFS" "$@" >"$FSP_TMP/bad.out" 2>"$FSP_TMP/bad.err"
    rc=$?
    first=$(head -n 1 "$FSP_TMP/bad.err")
    if [ "$rc" -eq 2 ] && [[ $first =~ $re ]] && [ ! -s "$FSP_TMP/bad.out" ] &&
        [ "$(fuse_mounts)" == "$before" ]; then
        pass "usage error: $name (exit 2: $first)"
    else
        fail "usage error: $name: exit $rc (want 2), stderr '$first', stdout '$(head -c 200 "$FSP_TMP/bad.out")'"
        is_mounted "$dir" && umount "$dir"
    fi
}
