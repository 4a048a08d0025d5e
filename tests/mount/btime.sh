#!/usr/bin/env bash
# btime.sh - birth time (statx STATX_BTIME) from the shell: on MEMFS it is
# the file's CreationTime (doc/windows-on-linux.md, "Times"), shown by
# stat(1) %W/%w and statx(2) like tmpfs's, kept by writes, chmod and
# renames, settable through system.fsp.crtime and seen at once after that;
# the kernel asks with STATX once per cache period; an unlinked open file
# still answers; FUSE API volumes have none (the kernel's STATX gets ENOSYS
# once and falls back to GETATTR). The conformance suite's btime check
# covers the semantics in detail; this test covers the tools and the wire.
# shellcheck disable=SC2016 # the scripts are single-quoted, run by bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
FUSE3=$FSP_BUILD/memfs-fuse3
SX=$FSP_BUILD/tests/statx
export SX

fsp_need_built btime "$MEMFS" "$FUSE3" "$SX"
fsp_need_tools btime setfattr

# The story every volume with btime must tell the same way; prints one
# word per step. Run in an empty directory.
STORY='
    touch f; b=$(stat -c %W f)
    [ "$b" -gt 0 ] && echo present
    [ "$(stat --format=%w f)" != - ] && echo shown
    [ "$($SX f btime | cut -d. -f1)" = "$b" ] && echo statx-agrees
    [ "$($SX f btime)" = "$($SX --fd f btime)" ] && echo fd-agrees
    sleep 1.1
    echo data >>f; [ "$(stat -c %W f)" = "$b" ] && echo kept-by-write
    chmod 600 f; [ "$(stat -c %W f)" = "$b" ] && echo kept-by-chmod
    mv f g; [ "$(stat -c %W g)" = "$b" ] && echo kept-by-rename
    touch -d @1000000000 g; [ "$(stat -c %W g)" = "$b" ] && echo kept-by-touch
    [ "$(stat -c %Y g)" -lt "$b" ] && echo mtime-before-btime
    touch h; [ "$(stat -c %W h)" -gt "$b" ] && echo newer-file-later
    mkdir d; [ "$(stat -c %W d)" -gt 0 ] && echo dir-present
    exec 3<g; rm g
    [ "$($SX --fd --sync -3 btime | cut -d. -f1)" = "$b" ] && echo unlinked-open
    exec 3<&-'

# statx_enosys LOG: how many STATX requests in a session debug log were
# answered ENOSYS (matched by their unique ids: workers interleave lines).
statx_enosys() {
    local u n=0
    while read -r u; do
        grep -q "unique=$u -> error=-38 " "$1" && n=$((n + 1))
    done < <(sed -n 's/.*unique=\([0-9]*\) STATX(.*/\1/p' "$1")
    [ "$n" -gt 0 ] && echo "$n"
}

REF=$FSP_TMP/ref
if [ "$(id -u)" -ne 0 ] || ! fsp_mount_tmpfs "$REF" fsp-btime-ref size=16m; then
    fail "btime: a tmpfs reference (needs root)"
    fsp_done
fi
want=$(cd "$REF" && timeout 30 bash -c "$STORY" 2>&1)
fsp_umount_tmpfs "$REF"
check "btime: tmpfs tells the whole story" test "$(echo "$want" | wc -l)" -eq 12

# --- MEMFS, attributes cached forever (-t -1) and not at all (-t 0) --------------
for t in -1 0; do
    M=$FSP_TMP/m$t
    LOG=$FSP_TMP/m$t.dbg
    if ! fsp_start_logged "m$t" "$M" "$MEMFS" -t "$t" -d -1 -D "$LOG"; then
        fail "btime: memfs -t $t mounts"
        continue
    fi
    got=$(cd "$M" && timeout 30 bash -c "$STORY" 2>&1)
    if [ "$got" == "$want" ]; then
        pass "btime: memfs -t $t tells the story as tmpfs does"
    else
        fail "btime: memfs -t $t tells the story as tmpfs does"
        diff -u --label tmpfs --label "memfs -t $t" <(echo "$want") <(echo "$got") | sed 's/^/    /'
    fi

    # system.fsp.crtime moves btime; statx sees it at once. (The kernel
    # refreshes its cached btime only with the basic stats: after the
    # invalidation a statx for btime alone may still show the old value until
    # the attribute timeout, so stat %W comes second here; doc/windows-on-
    # linux.md, "Times".)
    touch "$M/c"
    setfattr -n system.fsp.crtime -v 1000000000.5 "$M/c"
    check "btime: memfs -t $t: statx after setting crtime" \
        test "$("$SX" "$M/c" btime)" = 1000000000.500000000
    check "btime: memfs -t $t: stat %W after setting crtime" \
        test "$(stat -c '%W %.9W' "$M/c")" = "1000000000 1000000000.500000000"
    setfattr -n system.fsp.crtime -v -86400.25 "$M/c"
    check "btime: memfs -t $t: a crtime before 1970, to 100 ns" \
        test "$("$SX" --btime-only --sync "$M/c" btime)" = -86401.750000000
    if [ "$t" = 0 ]; then
        # Nothing cached: even a query for btime alone goes to the volume.
        check "btime: memfs -t 0: statx for btime alone after setting crtime" \
            test "$("$SX" --btime-only "$M/c" btime)" = -86401.750000000
    fi

    # The wire: the kernel asks with STATX (never answered ENOSYS), and with
    # attributes cached it asks once, not for each stat.
    touch "$M/w"
    n0=$(grep -c ' STATX(' "$LOG")
    for _ in 1 2 3 4 5; do stat -c %W "$M/w" >/dev/null; done
    n1=$(grep -c ' STATX(' "$LOG")
    check "btime: memfs -t $t: STATX never answered ENOSYS" \
        test -z "$(statx_enosys "$LOG")"
    if [ "$t" = -1 ]; then
        check "btime: memfs -t -1: one STATX for five stats ($((n1 - n0)))" test $((n1 - n0)) -eq 1
    else
        check "btime: memfs -t 0: a STATX for each stat ($((n1 - n0)))" test $((n1 - n0)) -eq 5
    fi
    check "btime: memfs -t $t: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
done

# --- A FUSE API volume: no btime, and the kernel stops asking ------------------
M=$FSP_TMP/fuse3
if fsp_start_fs "$M" sh -c 'exec "$@" 2>"$0"' "$FSP_TMP/fuse3.dbg" \
    "$FUSE3" -d -f -o default_permissions,allow_other "$M"; then
    touch "$M/f"
    check "btime: memfs-fuse3: stat %W is 0 and %w is -" \
        test "$(stat -c '%W %w' "$M/f")" = "0 -"
    check "btime: memfs-fuse3: statx reports none" test "$("$SX" "$M/f" btime)" = none
    for _ in 1 2 3; do stat -c %W "$M/f" >/dev/null; done
    touch "$M/g"
    stat -c %W "$M/g" >/dev/null
    check "btime: memfs-fuse3: one STATX, answered ENOSYS, then GETATTR only" \
        test "$(statx_enosys "$FSP_TMP/fuse3.dbg")" -eq 1 -a \
        "$(grep -c ' STATX(' "$FSP_TMP/fuse3.dbg")" -eq 1
    check "btime: memfs-fuse3: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "btime: memfs-fuse3 mounts"
fi

fsp_done
