#!/usr/bin/env bash
# passthrough.sh - the passthrough samples (passthrough-ll on the low-level
# API, passthrough-fuse3 on the high-level API) over a tmpfs source: the
# conformance suite must give the same transcript as tmpfs itself; objects
# created through the mount appear in the source with the caller's owner
# (and a set-group-ID directory's group); files of every kind, xattrs,
# rename flags; and, on passthrough-ll, a path longer than PATH_MAX.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/conformance-lib.sh
. "$(dirname "$0")/../conformance-lib.sh"

CONF=$FSP_BUILD/tests/conformance
RUN_LIMIT=150
USER_ID=4711 # an unprivileged caller, with no entry in /etc/passwd
fsp_need_built passthrough "$FSP_BUILD/passthrough-ll" "$FSP_BUILD/passthrough-fuse3" "$CONF"

# mount_pt SAMPLE ID [OPTIONS]: a fresh tmpfs source $FSP_TMP/ID.src and
# SAMPLE mounted over it on $FSP_TMP/ID (sets SRC, M, FSP_PID).
mount_pt() {
    local sample=$1 id=$2 opts=${3:-allow_other}
    SRC=$FSP_TMP/$id.src M=$FSP_TMP/$id
    if ! fsp_mount_tmpfs "$SRC" "fsp-pt-$id" size=1g,mode=0755; then
        fail "$id: cannot mount the tmpfs source"
        return 1
    fi
    fsp_start_to_log "$id: $sample mounts" "$M" "$FSP_BUILD/$sample" -f -o "$opts" "$SRC" "$M"
}

# as_user CMD...: run CMD as an unprivileged user with no extra groups.
as_user() { setpriv --reuid="$USER_ID" --regid="$USER_ID" --clear-groups "$@"; }

# The unprivileged caller must reach the mounts below $FSP_TMP.
chmod 0711 "$FSP_TMP"

conf_reference || fsp_done

for sample in passthrough-ll passthrough-fuse3; do
    # --- The conformance suite, compared with tmpfs --------------------------
    if mount_pt "$sample" "$sample-conf"; then
        out=$FSP_TMP/$sample.out
        (cd / && timeout -k 5 "$RUN_LIMIT" "$CONF" "$M") >"$out" 2>"$out.err"
        rc=$?
        [ "$rc" -le 1 ] || fail "conformance/run ($sample): exit status $rc"
        check "$sample: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
        compare "$sample" "$out" btime
        known_fails "$sample" "$out" btime "$NO_BTIME"
        fsp_umount_tmpfs "$SRC"
    fi

    # --- Owners, kinds, xattrs, rename flags -----------------------------------
    # (debug: the log shows which requests reached the file system)
    mount_pt "$sample" "$sample-own" allow_other,debug || continue
    chmod 1777 "$M"
    check "$sample: the caller creates a file" as_user sh -c "echo data >'$M/f'"
    check "$sample: created through the mount, the source has the caller's owner" \
        test "$(stat -c %u:%g "$SRC/f")" = "$USER_ID:$USER_ID"
    check "$sample: and the same content" test "$(cat "$SRC/f")" = data
    as_user mkdir "$M/d" && as_user ln -s f "$M/s" && as_user mkfifo "$M/p"
    check "$sample: mkdir, symlink and mknod get the caller's owner" \
        test "$(stat -c %u:%g "$SRC/d" "$SRC/s" "$SRC/p" | sort -u)" = "$USER_ID:$USER_ID"
    mkdir "$M/sg" && chgrp 4242 "$M/sg" && chmod 2777 "$M/sg"
    as_user sh -c "echo x >'$M/sg/f'; mkdir '$M/sg/d'"
    check "$sample: in a set-group-ID directory the group is the directory's" \
        test "$(stat -c %u:%g "$SRC/sg/f")" = "$USER_ID:4242"
    check "$sample: and a new subdirectory inherits S_ISGID" \
        test "$(stat -c %A "$SRC/sg/d" | cut -c7)" = s
    check "$sample: root's file stays root's" bash -c "echo r >'$M/r' && test \"\$(stat -c %u:%g '$SRC/r')\" = 0:0"
    check "$sample: chown through the mount" bash -c "chown 1:2 '$M/r' && test \"\$(stat -c %u:%g '$SRC/r')\" = 1:2"
    check "$sample: hard link" bash -c "ln '$M/f' '$M/g' && test \"\$(stat -c %h '$SRC/f')\" = 2 &&
        test \"\$(stat -c %i '$M/f')\" = \"\$(stat -c %i '$M/g')\""
    check "$sample: mknod c" bash -c "mknod '$M/null' c 1 3 && test \"\$(stat -c '%F %t:%T' '$SRC/null')\" = 'character special file 1:3'"
    check "$sample: socket" "$FSP_BUILD/tests/mksock" "$M/sock"
    check "$sample: socket type in the source" test "$(stat -c %F "$SRC/sock")" = socket
    check "$sample: readlink" test "$(readlink "$M/s")" = f
    check "$sample: setfattr" setfattr -n user.color -v blue "$M/f"
    check "$sample: the xattr is in the source" \
        test "$(getfattr --only-values -n user.color "$SRC/f" 2>/dev/null)" = blue
    check "$sample: getfattr" test "$(getfattr --only-values -n user.color "$M/f" 2>/dev/null)" = blue
    check "$sample: listxattr" bash -c "getfattr -d '$M/f' 2>/dev/null | grep -qx 'user.color=\"blue\"'"
    check "$sample: removexattr" bash -c "setfattr -x user.color '$M/f' && ! getfattr -n user.color '$SRC/f' 2>/dev/null"
    echo y >"$M/y"
    check "$sample: RENAME_EXCHANGE" bash -c "'$FSP_BUILD/tests/renamex' --exchange '$M/f' '$M/y' &&
        test \"\$(cat '$SRC/f')\" = y && test \"\$(cat '$SRC/y')\" = data"
    check "$sample: RENAME_NOREPLACE refuses an existing target" \
        bash -c "! '$FSP_BUILD/tests/renamex' --noreplace '$M/f' '$M/y' 2>/dev/null && test -e '$SRC/f'"
    check "$sample: utimens keeps nanoseconds" bash -c "touch -d '2001-02-03 04:05:06.123456789' '$M/y' &&
        test \"\$(stat -c %y '$SRC/y')\" = \"\$(stat -c %y '$M/y')\" && stat -c %y '$SRC/y' | grep -q '06.123456789'"
    check "$sample: fallocate" bash -c "fallocate -l 1M '$M/big' && test \"\$(stat -c %s '$SRC/big')\" = 1048576"
    head -c 300000 /dev/urandom >"$M/data"
    check "$sample: cp within the mount makes the same file" \
        bash -c "cp '$M/data' '$M/copy' && cmp '$SRC/data' '$SRC/copy'"
    check "$sample: through copy_file_range" grep -q COPY_FILE_RANGE "$M.log"
    check "$sample: a change in the source shows through the mount" \
        bash -c "echo fresh >'$SRC/fresh' && test \"\$(cat '$M/fresh')\" = fresh"
    check "$sample: owners: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
done

# --- A path longer than PATH_MAX (passthrough-ll works relative to fds) ----
# 48 levels of 100-byte names: 4,848 bytes, more than PATH_MAX (4096). The
# shell walks down with relative cd's, so no call sees the whole path.
if mount_pt passthrough-ll long; then
    long_name=$(printf 'd%.0s' {1..100})
    deep() { # deep ROOT CMD: run CMD at the bottom of ROOT's chain
        local root=$1 i
        shift
        (cd "$root" || exit 1
            for ((i = 0; i < 48; i++)); do cd "$long_name" 2>/dev/null || exit 1; done
            eval "$*")
    }
    (cd "$M" && for ((i = 0; i < 48; i++)); do mkdir "$long_name" && cd "$long_name" || exit 1; done)
    check "long path: 48 nested directories created through the mount" [ $? -eq 0 ]
    check "long path: a file written at the bottom" deep "$M" "echo deep >file"
    check "long path: read back through the mount" test "$(deep "$M" cat file)" = deep
    check "long path: the source has it at the same place" test "$(deep "$SRC" cat file)" = deep
    check "long path: the whole path is longer than PATH_MAX" \
        test "$(deep "$M" 'echo "$PWD"' | wc -c)" -gt 4096
    check "long path: stat, rename and unlink at the bottom" \
        deep "$M" "test \"\$(stat -c %s file)\" = 5 && mv file moved && rm moved && test ! -e moved"
    check "long path: find walks the whole chain" \
        test "$(find "$M" -mindepth 1 -type d | wc -l)" = 48
    check "long path: rm -r removes it" rm -r "${M:?}/$long_name"
    check "long path: the source is empty again" test -z "$(ls -A "$SRC")"

    # Lookup counts: each inode the kernel knows holds one O_PATH descriptor
    # in the daemon; once the files are gone the kernel forgets them, and
    # the descriptors must go too.
    fds() { find "/proc/$FSP_PID/fd" -mindepth 1 | wc -l; }
    base=$(fds)
    mkdir "$M/many" && for ((i = 0; i < 200; i++)); do : >"$M/many/$i"; done
    check "forget: 200 files looked up hold 200 more descriptors" test "$(fds)" -ge $((base + 200))
    rm -r "$M/many"
    for ((i = 0; i < 100; i++)); do [ "$(fds)" -le "$base" ] && break; sleep 0.05; done
    check "forget: after removing them the descriptors are closed" test "$(fds)" -le "$base"
    check "long path: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

# --- max_read= reaches the kernel's mount options; connection options ------
if mount_pt passthrough-ll maxread allow_other,max_read=8192,no_remote_lock,readdirplus=no; then
    check "max_read=8192 is a mount option of the kernel's" \
        bash -c "grep ' $M fuse' /proc/self/mounts | grep -q ',max_read=8192'"
    check "connection options were taken out of the arguments (mounted)" is_mounted "$M"
    head -c 1000000 /dev/urandom >"$SRC/random"
    check "max_read: a big file reads the same, in 8 KiB requests" cmp "$SRC/random" "$M/random"
    check "max_read: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
    fsp_umount_tmpfs "$SRC"
fi

# --- Refusals --------------------------------------------------------------------
mkdir -p "$FSP_TMP/nosrc"
for sample in passthrough-ll passthrough-fuse3; do
    out=$(timeout 10 "$FSP_BUILD/$sample" -f "$FSP_TMP/nosrc" 2>&1)
    check "$sample: no source directory is refused" [ $? -ne 0 ]
    check "$sample: and says why" grep -q "no source directory" <<<"$out"
    out=$(timeout 10 "$FSP_BUILD/$sample" -f "$FSP_TMP/no-such-dir" "$FSP_TMP/nosrc" 2>&1)
    check "$sample: a missing source directory is refused" [ $? -ne 0 ]
    check "$sample: bad source leaves no mount" bash -c "! grep -q ' $FSP_TMP/nosrc fuse' /proc/self/mounts"
done

fsp_done
