#!/usr/bin/env bash
# memfs_service.sh - MEMFS as a service of FSP's service framework, and the
# options WinFsp's MEMFS has that memfs.sh does not cover:
#   -S RootSddl  the root's owner, group and mode (stat) and its descriptor
#                (the system.fsp.sddl xattr) for a few SDDL strings;
#   -u prefix    the mount source (findmnt, df) is //Server/Share;
#   -M/-P/-R     slow I/O: part of the conformance suite on a slow MEMFS,
#                compared with tmpfs, with responses seen in flight on their
#                own threads;
#   -b           daemon mode: the command returns once mounted with the mount
#                point on stdout, the daemon is detached (parent init, own
#                session, stdio on /dev/null), works, and SIGTERM unmounts;
#   exit codes   usage errors (2 and a message), failed mounts (1), also with
#                -b (the parent reports the daemon's start result).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
CONF=$FSP_BUILD/tests/conformance

fsp_need_built memfs_service "$MEMFS"

# shellcheck source=tests/memfs-lib.sh
. "$(dirname "$0")/../memfs-lib.sh" # fuse_mounts, start_memfs, bad_usage

# ===========================================================================
# Usage errors of the new options: exit 2, a message, nothing mounted
# ===========================================================================
D=$FSP_TMP/bad
bad_usage "-S not SDDL" "bad RootSddl 'O:XX'" -S 'O:XX' -m "$D"
bad_usage "-u without a share" "bad volume prefix" -u '\server' -m "$D"
bad_usage "-u with a space" "bad volume prefix" -u '\a b\c' -m "$D"
bad_usage "-M too large" "bad MaxDelay '10001'" -M 10001 -m "$D"
bad_usage "-P over 100" "bad PercentDelay '101'" -P 101 -m "$D"
bad_usage "-R not a number" "bad RarefyDelay 'x'" -R x -m "$D"
bad_usage "-b with a bad option" "unknown option -x" -b -x -m "$D"

out=$FSP_TMP/h.out
timeout 10 "$MEMFS" -h >"$out" 2>/dev/null
check "memfs -h lists the service options" \
    bash -c "for o in S u M P R b U; do grep -q \"^  -\$o \" '$out' || exit 1; done"

# A missing mount point: exit 1 and a message, in the foreground and with
# -b (the parent waits for the daemon's start and exits with its result).
for mode in fg bg; do
    opts=()
    [ $mode == bg ] && opts=(-b)
    before=$(fuse_mounts)
    timeout -k 2 10 "$MEMFS" "${opts[@]}" -m "$FSP_TMP/does-not-exist" >/dev/null 2>"$FSP_TMP/nx.err"
    rc=$?
    check "missing mount point ($mode): exit 1, message, nothing mounted (exit $rc)" \
        [ "$rc" -eq 1 -a "$(fuse_mounts)" == "$before" ]
    check "missing mount point ($mode): the message names it" \
        grep -q "does-not-exist.*No such file or directory" "$FSP_TMP/nx.err"
done

# ===========================================================================
# -S RootSddl: what stat and the system.fsp.sddl xattr show of the root
# ===========================================================================
# sddl_case SDDL UID GID MODE: MEMFS -S SDDL shows the root as UID:GID MODE
# and hands the descriptor back unchanged.
sddl_case() {
    local sddl=$1 want="$2 $3 $4" dir=$FSP_TMP/sddl got back
    if start_memfs sddl "$dir" -S "$sddl"; then
        got=$(stat -c '%u %g %a' "$dir")
        back=$(getfattr --absolute-names -n system.fsp.sddl --only-values "$dir" 2>/dev/null)
        check "-S '$sddl': root is $want (stat: $got)" [ "$got" == "$want" ]
        check "-S '$sddl': system.fsp.sddl returns it" [ "$back" == "$sddl" ]
        check "-S: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$dir"
    else
        fail "-S '$sddl': mount"
    fi
}
# WinFsp MEMFS's own example: Administrators own it, everyone has full access.
sddl_case 'O:BAG:BAD:P(A;;FA;;;SY)(A;;FA;;;BA)(A;;FA;;;WD)' 544 544 777
# Only the owner (SYSTEM, uid 18); everyone else may read.
sddl_case 'O:SYG:SYD:P(A;;FA;;;SY)(A;;FR;;;WD)' 18 18 744
# uid 0 (S-1-5-0) owns it; the group, Users (BU, S-1-5-32-545: gid 545),
# may read and execute only.
sddl_case 'O:S-1-5-0G:BUD:P(A;;FA;;;S-1-5-0)(A;;0x1200a9;;;BU)' 0 545 750
# The default, for comparison: the caller, mode 0777.
if start_memfs dflt "$FSP_TMP/dflt"; then
    check "no -S: root is $(id -u):$(id -g) 777" \
        [ "$(stat -c '%u %g %a' "$FSP_TMP/dflt")" == "$(id -u) $(id -g) 777" ]
    stop_with TERM "$FSP_PID" "$FSP_TMP/dflt" || fail "no -S: stop"
fi

# ===========================================================================
# -u \Server\Share: the mount source
# ===========================================================================
M=$FSP_TMP/unc
if start_memfs unc "$M" -u '\memfs\share'; then
    check "-u: findmnt SOURCE is //memfs/share, type fuse.memfs" \
        [ "$(findmnt -rn -o SOURCE,FSTYPE "$M")" == "//memfs/share fuse.memfs" ]
    check "-u: df shows //memfs/share" \
        [ "$(df --output=source "$M" | tail -n 1 | tr -d ' ')" == //memfs/share ]
    echo hi >"$M/f"
    check "-u: the volume works" [ "$(cat "$M/f")" == hi ]
    check "-u: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "-u: mount"
fi
M=$FSP_TMP/unc2
if start_memfs unc2 "$M" -u '\\Srv\Data' -F NTFS; then
    check "-u '\\\\Srv\\Data' -F NTFS: source //Srv/Data, type fuse.ntfs" \
        [ "$(findmnt -rn -o SOURCE,FSTYPE "$M")" == "//Srv/Data fuse.ntfs" ]
    check "-u -F: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "-u -F: mount"
fi

# ===========================================================================
# -M/-P/-R: slow I/O answers the same as normal I/O
# ===========================================================================
# Checks that read, write and list most; the reference is a tmpfs.
SLOW_CHECKS=rdwr,holes,truncate,readdir_large,mmap,threads_regions,threads_append,unlink_open,odirect
if [ -x "$CONF" ] && [ "$(id -u)" -eq 0 ]; then
    # shellcheck source=tests/conformance-lib.sh
    . "$(dirname "$0")/../conformance-lib.sh"
    if conf_reference; then
        M=$FSP_TMP/slow
        if start_memfs slow "$M" -n 100000 -s 512M -M 20 -P 50 -R 2; then
            (cd / && timeout -k 5 240 "$CONF" --only "$SLOW_CHECKS" "$M") >"$FSP_TMP/slow.conf" 2>&1
            rc=$?
            check "slow I/O: the conformance subset completes (exit $rc)" [ "$rc" -eq 0 ]
            skipped=$("$CONF" --list | grep -vxF -f <(tr , '\n' <<<"$SLOW_CHECKS") | tr '\n' ' ')
            # shellcheck disable=SC2086 # one word per skipped check
            compare "memfs -M 20 -P 50 -R 2" "$FSP_TMP/slow.conf" $skipped >"$FSP_TMP/slow.cmp"
            grep -v '^skip ' "$FSP_TMP/slow.cmp"
            grep -q '^FAIL' "$FSP_TMP/slow.cmp" && _fsp_failed=1
            check "slow I/O: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
        else
            fail "slow I/O: mount"
        fi
    fi
else
    echo "skip slow I/O conformance: needs root and $CONF"
fi

# With every operation pending (-P 100) and long delays, responses are
# sent by threads of their own: while reads run, one shows up.
M=$FSP_TMP/pend
if start_memfs pend "$M" -M 400 -P 100 -R 0 -t 0; then
    head -c 65536 /dev/urandom >"$FSP_TMP/rnd"
    cp "$FSP_TMP/rnd" "$M/rnd"
    # 20 single-page direct reads: each one pends for up to 400 ms.
    (for i in $(seq 20); do
        dd if="$M/rnd" of=/dev/null bs=4096 count=1 iflag=direct status=none
    done) &
    reader=$!
    seen=no
    for ((i = 0; i < 100; i++)); do
        if grep -qx memfs-slowio /proc/"$FSP_PID"/task/*/comm 2>/dev/null; then
            seen=yes
            break
        fi
        sleep 0.05
    done
    fsp_wait_exit "$reader" 30 || kill "$reader"
    check "-P 100: a response thread (memfs-slowio) is seen while reads run" [ $seen == yes ]
    check "-P 100: data read back equals data written" \
        timeout 60 cmp "$FSP_TMP/rnd" "$M/rnd"
    mkdir "$M/d" && touch "$M/d/"{a,b,c}
    check "-P 100: a listing completes asynchronously" \
        [ "$(timeout 30 ls "$M/d" | tr '\n' ' ')" == "a b c " ]
    check "-P 100: SIGTERM unmounts and exits 0 (responses in flight drained)" \
        stop_with TERM "$FSP_PID" "$M"
else
    fail "-P 100: mount"
fi

# ===========================================================================
# -b: daemon mode
# ===========================================================================
# daemon_pid DIR: the PID of the detached MEMFS serving DIR: the process
# whose command line is exactly "$MEMFS -b -m DIR" and whose parent is
# init (the mount's helper process has the same command line, not that
# parent).
daemon_pid() {
    local want p
    want=$(printf '%s\n' "$MEMFS" -b -m "$1")
    for p in /proc/[0-9]*; do
        [ "$(tr '\0' '\n' 2>/dev/null <"$p/cmdline")" == "$want" ] || continue
        [ "$(awk '{print $4}' "$p/stat" 2>/dev/null)" == 1 ] || continue
        echo "${p#/proc/}"
        return 0
    done
    return 1
}

M=$FSP_TMP/daemon
mkdir -p "$M"
_fsp_mounts+=("$M")
out=$(timeout -k 2 15 "$MEMFS" -b -m "$M" 2>"$FSP_TMP/daemon.err")
rc=$?
check "-b: returns 0 once mounted, mount point on stdout ('$out')" \
    [ "$rc" -eq 0 -a "$out" == "$M" ]
check "-b: mounted when the command returns" is_mounted "$M"
if pid=$(daemon_pid "$M"); then
    _fsp_pids+=("$pid")
    pass "-b: the daemon runs with init as parent (pid $pid)"
    check "-b: the daemon leads its own session" \
        [ "$(awk '{print $6}' /proc/"$pid"/stat)" == "$pid" ]
    check "-b: stdin, stdout, stderr on /dev/null" \
        [ "$(readlink /proc/"$pid"/fd/0 /proc/"$pid"/fd/1 /proc/"$pid"/fd/2 | sort -u)" == /dev/null ]
    check "-b: nothing written to the caller's stderr" [ ! -s "$FSP_TMP/daemon.err" ]
    echo hello >"$M/f" && mkdir "$M/dir"
    check "-b: the volume works" [ "$(cat "$M/f")" == hello -a -d "$M/dir" ]
    kill -TERM "$pid"
    gone=no
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || { gone=yes; break; }
        sleep 0.05
    done
    check "-b: SIGTERM ends the daemon" [ $gone == yes ]
    check "-b: and the mount is gone" fsp_wait_unmounted "$M" 5
else
    fail "-b: the daemon runs with init as parent"
fi

fsp_done
