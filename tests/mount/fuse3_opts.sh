#!/usr/bin/env bash
# fuse3_opts.sh - the mount flag options of FSP's libfuse3 (suid/nosuid,
# dev/nodev, exec/noexec, sync/async, dirsync, atime/noatime, ro/rw and the
# atime variants) reach the mount, as root through mount(2) and as a user
# through fusermount3. The reference is Debian's libfuse3: memfs-fuse3 built
# against it must show the same per-mount flags (findmnt VFS-OPTIONS) for
# every option set libfuse knows; the atime variants libfuse 3.14 leaves
# out are checked against what mount(8) means by them, and the FUSE 2
# library (memfs-fuse2) takes the flags too. noexec must also really stop
# execution. Then WinFsp-FUSE's options: caching (requests counted in the
# -d trace), names, thread count, create_*umask (modes of new files and
# directories), UserName=/GroupName=, DebugLog= and KeepFileCache.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs-fuse3
SRC=$FSP_TOP/samples/memfs-fuse3/memfs_fuse3.c
SRC_TREE=$FSP_TOP/samples/memfs-common
fsp_need_built fuse3_opts "$MEMFS"

# mount_opts DIR: the mount's flags and its superblock's (where sync and
# dirsync show), as findmnt has them: rw,nosuid,nodev,relatime,...
mount_opts() { findmnt -n -o OPTIONS --mountpoint "$1"; }

# flags_of LABEL DIR CMD...: mount with CMD, set FLAGS to its options,
# unmount (FSP's must exit 0 on SIGTERM; libfuse 3.14's fuse_main returns
# non-zero then, so the reference, labelled "debian ...", need only unmount). FLAGS is empty (and the test fails) if it did not mount. (Not
# through $(...): the mount must stay known to this shell's cleanup.)
flags_of() {
    local label=$1 dir=$2
    shift 2
    FLAGS=
    fsp_start_to_log "$label: mounts" "$dir" "$@" || return 1
    FLAGS=$(mount_opts "$dir")
    case $label in
    debian*) fsp_stop_fs "$FSP_PID" "$dir" || fail "$label: SIGTERM unmounts" ;;
    *) stop_with TERM "$FSP_PID" "$dir" >/dev/null || fail "$label: SIGTERM unmounts and exits 0" ;;
    esac
}

# has_opts OPTS WORD...: every WORD is one of OPTS' comma-separated words.
has_opts() {
    local opts=",$1," w
    shift
    for w in "$@"; do
        case $opts in *",$w,"*) ;; *) echo "    '$w' not in '$1'"; return 1 ;; esac
    done
}

# lacks_opts OPTS WORD...: no WORD is among OPTS.
lacks_opts() {
    local opts=",$1," w
    shift
    for w in "$@"; do
        case $opts in *",$w,"*) echo "    '$w' in '$1'"; return 1 ;; esac
    done
}

# The option sets libfuse 3.14 knows; "-" stands for no option at all.
# shellcheck disable=SC2054 # the commas are within one option set
SETS=(- suid dev suid,dev nosuid,nodev noexec exec sync async dirsync noatime atime ro rw
    noexec,noatime,sync,dirsync dev,nodev suid,nosuid noatime,atime rw,ro ro,rw)

# --- Against the reference, as root (mount(2)) ------------------------------------
DEB=$FSP_TMP/memfs-fuse3-debian
if [ -f /usr/include/fuse3/fuse.h ] && command -v pkg-config >/dev/null &&
    env -u PKG_CONFIG_PATH pkg-config --exists fuse3; then
    # shellcheck disable=SC2046 # pkg-config's flags are a word list
    if ! env -u PKG_CONFIG_PATH cc -o "$DEB" "$SRC" "$SRC_TREE"/*.c \
        $(env -u PKG_CONFIG_PATH pkg-config --cflags --libs fuse3) 2>"$FSP_TMP/deb.err"; then
        fail "memfs-fuse3 builds against Debian's libfuse3"
        sed 's/^/    /' "$FSP_TMP/deb.err" | tail -5
        DEB=
    fi
else
    fail "Debian's libfuse3-dev installed (apt-get install libfuse3-dev pkg-config)"
    DEB=
fi

# opt_args SET: the -o argument for SET ("-" : none).
opt_args() { [ "$1" = - ] || printf '%s\n' -o "$1"; }

if [ -n "$DEB" ]; then
    for set in "${SETS[@]}"; do
        mapfile -t o < <(opt_args "$set")
        flags_of "root $set" "$FSP_TMP/fsp" "$MEMFS" -f "${o[@]}" "$FSP_TMP/fsp"
        ours=$FLAGS
        # Debian's build finds Debian's library unless told otherwise.
        LD_LIBRARY_PATH='' LD_PRELOAD='' flags_of "debian $set" "$FSP_TMP/deb" "$DEB" -f "${o[@]}" "$FSP_TMP/deb"
        ref=$FLAGS
        if [ -n "$ours" ] && [ "$ours" = "$ref" ]; then
            pass "root -o $set: $ours (as Debian's libfuse3)"
        else
            fail "root -o $set: ours '$ours', Debian's libfuse3 '$ref'"
        fi
    done
fi

# The atime variants (mount(8)'s meanings; libfuse 3.14 rejects them).
flags_of "strictatime" "$FSP_TMP/fsp" "$MEMFS" -f -o strictatime "$FSP_TMP/fsp"
# (the kernel shows strictatime as neither relatime nor noatime)
check "root -o strictatime: neither relatime nor noatime ($FLAGS)" \
    lacks_opts "${FLAGS:-relatime}" relatime noatime
flags_of "nodiratime" "$FSP_TMP/fsp" "$MEMFS" -f -o nodiratime "$FSP_TMP/fsp"
check "root -o nodiratime ($FLAGS)" has_opts "$FLAGS" nodiratime relatime
flags_of "noatime,relatime" "$FSP_TMP/fsp" "$MEMFS" -f -o noatime,relatime "$FSP_TMP/fsp"
check "root -o noatime,relatime: the last one wins ($FLAGS)" \
    has_opts "$FLAGS" relatime
check "root -o noatime,relatime: not noatime" lacks_opts "$FLAGS" noatime

# --- The FUSE 2 library takes the same flags (fuse_mount's options) ---------------
MEMFS2=$FSP_BUILD/memfs-fuse2
if [ -x "$MEMFS2" ]; then
    flags_of "fuse2 noexec,noatime,suid" "$FSP_TMP/fsp" "$MEMFS2" -f -o noexec,noatime,suid "$FSP_TMP/fsp"
    check "fuse2 -o noexec,noatime,suid: $FLAGS" has_opts "$FLAGS" rw nodev noexec noatime
    check "fuse2 -o noexec,noatime,suid: not nosuid" lacks_opts "$FLAGS" nosuid
    flags_of "fuse2 default" "$FSP_TMP/fsp" "$MEMFS2" -f "$FSP_TMP/fsp"
    check "fuse2 default: nosuid,nodev,relatime ($FLAGS)" has_opts "$FLAGS" rw nosuid nodev relatime
else
    fail "memfs-fuse2 is built"
fi

# --- noexec means it ----------------------------------------------------------------
M=$FSP_TMP/exec
script() { printf '#!/bin/sh\necho ran\n' >"$1/s" && chmod 755 "$1/s"; }
# shellcheck disable=SC2016 # $1 and $@ are the inner shell's
if fsp_start_fs "$M" sh -c 'exec "$@" >/dev/null 2>&1' sh "$MEMFS" -f -o noexec "$M"; then
    script "$M"
    check "noexec: a script cannot run" bash -c "! '$M/s' 2>/dev/null"
    stop_with TERM "$FSP_PID" "$M" || fail "noexec: SIGTERM unmounts and exits 0"
else
    fail "noexec: mounts"
fi
# shellcheck disable=SC2016
if fsp_start_fs "$M" sh -c 'exec "$@" >/dev/null 2>&1' sh "$MEMFS" -f "$M"; then
    script "$M"
    check "default (exec): the script runs" test "$("$M/s" 2>&1)" = ran
    stop_with TERM "$FSP_PID" "$M" || fail "exec: SIGTERM unmounts and exits 0"
else
    fail "exec: mounts"
fi

# --- WinFsp-FUSE's options ---------------------------------------------------------
# requests_after OPTS PATTERN CMD...: mount with -d -o OPTS, warm the caches
# with CMD once, run it three times more; sets COUNT to the requests matching
# PATTERN those three runs caused (empty if it did not mount).
requests_after() {
    local opts=$1 pattern=$2 log=$FSP_TMP/winfsp.log before
    shift 2
    COUNT=
    M=$FSP_TMP/winfsp
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if ! fsp_start_fs "$M" sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' sh "$log" \
        "$MEMFS" -d -o "$opts" "$M"; then
        fail "-o $opts: mounts"
        fsp_stop_fs "$FSP_PID" "$M"
        return 1
    fi
    touch "$M/f" && mkdir "$M/d"
    "$@" >/dev/null
    sleep 0.1
    before=$(grep -cE "$pattern" "$log")
    "$@" >/dev/null && "$@" >/dev/null && "$@" >/dev/null
    sleep 0.1
    COUNT=$(($(grep -cE "$pattern" "$log") - before))
    stop_with TERM "$FSP_PID" "$M" >/dev/null || fail "-o $opts: SIGTERM unmounts and exits 0"
}
ATTR=' (GETATTR|LOOKUP)\('
requests_after FileInfoTimeout=0 "$ATTR" stat "$FSP_TMP/winfsp/f"
check "FileInfoTimeout=0: every stat asks the file system ($COUNT requests)" test "${COUNT:-0}" -ge 3
requests_after FileInfoTimeout=60000 "$ATTR" stat "$FSP_TMP/winfsp/f"
check "FileInfoTimeout=60000: stat is answered from the cache ($COUNT requests)" test "$COUNT" = 0
requests_after DirInfoTimeout=0 ' READDIR' ls "$FSP_TMP/winfsp"
check "DirInfoTimeout=0: every listing asks the file system ($COUNT READDIRs)" test "${COUNT:-0}" -ge 3
requests_after DirInfoTimeout=1000 ' READDIR' ls "$FSP_TMP/winfsp"
check "DirInfoTimeout=1000: listings come from the kernel's cache ($COUNT READDIRs)" test "$COUNT" = 0

# names_of OPTS: the mount's source and type with -o OPTS.
names_of() {
    NAMES=
    M=$FSP_TMP/names
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if fsp_start_fs "$M" sh -c 'exec "$@" >/dev/null 2>&1' sh "$MEMFS" -f -o "$1" "$M"; then
        NAMES=$(findmnt -n -o SOURCE,FSTYPE --mountpoint "$M" | tr -s ' ')
        TASKS=$(find "/proc/$FSP_PID/task" -mindepth 1 -maxdepth 1 | wc -l)
        stop_with TERM "$FSP_PID" "$M" >/dev/null || fail "-o $1: SIGTERM unmounts and exits 0"
    else
        fail "-o $1: mounts"
        fsp_stop_fs "$FSP_PID" "$M"
    fi
}
names_of volname=MyVol
check "volname= names the mount source ($NAMES)" test "$NAMES" = "MyVol fuse.memfs-fuse3"
names_of 'VolumePrefix=/srv/share,volname=MyVol'
check "VolumePrefix= (/ form) is the source //srv/share ($NAMES)" test "$NAMES" = "//srv/share fuse.memfs-fuse3"
names_of 'UNC=\\srv\\share'
check "UNC= (\\ form, escaped in -o) is the source //srv/share ($NAMES)" test "$NAMES" = "//srv/share fuse.memfs-fuse3"
names_of 'fsname=F,VolumePrefix=/srv/share'
check "fsname= wins over VolumePrefix= ($NAMES)" test "${NAMES%% *}" = F
names_of 'FileSystemName=NTFS'
check "FileSystemName= is the subtype ($NAMES)" test "${NAMES#* }" = fuse.NTFS
names_of 'ThreadCount=3'
t3=$TASKS
names_of 'ThreadCount=5'
check "ThreadCount=5 runs two workers more than ThreadCount=3 ($t3, $TASKS threads)" \
    test "$((TASKS - t3))" = 2

# made_modes OPTS: mount with -o OPTS (none if "-"), make a file (creat), a
# fifo (mknod) and a directory under umask 0 (no -m: mkdir -m would chmod
# after); sets MODES to their octal modes and OWNER to the file's uid:gid.
made_modes() {
    MODES= OWNER=
    M=$FSP_TMP/made
    local o=()
    [ "$1" = - ] || o=(-o "$1")
    # shellcheck disable=SC2016 # $@ is the inner shell's
    if fsp_start_fs "$M" sh -c 'exec "$@" >/dev/null 2>&1' sh "$MEMFS" -f "${o[@]}" "$M"; then
        (umask 0 && : >"$M/f" && mkfifo "$M/p" && mkdir "$M/d")
        MODES=$(stat -c %a "$M/f" "$M/p" "$M/d" | tr '\n' ' ')
        OWNER=$(stat -c %u:%g "$M/f")
        stop_with TERM "$FSP_PID" "$M" >/dev/null || fail "-o $1: SIGTERM unmounts and exits 0"
    else
        fail "-o $1: mounts"
        fsp_stop_fs "$FSP_PID" "$M"
    fi
}
made_modes -
check "no create_umask: file, fifo, directory keep their modes ($MODES)" test "$MODES" = "666 666 777 "
made_modes create_umask=077
check "create_umask=077 masks file, fifo and directory ($MODES)" test "$MODES" = "600 600 700 "
made_modes create_file_umask=027
check "create_file_umask=027 masks files only ($MODES)" test "$MODES" = "640 640 777 "
made_modes create_dir_umask=022
check "create_dir_umask=022 masks directories only ($MODES)" test "$MODES" = "666 666 755 "
made_modes create_umask=077,create_dir_umask=002
check "create_dir_umask wins over create_umask ($MODES)" test "$MODES" = "600 600 775 "
nobody=$(id -u nobody):$(getent group nogroup | cut -d: -f3)
made_modes UserName=nobody,GroupName=nogroup
check "UserName=nobody,GroupName=nogroup: files show $nobody ($OWNER)" test "$OWNER" = "$nobody"
# (timeout: should it mount after all, it is stopped and unmounts itself.)
for o in UserName=no-such-user-fsp GroupName=no-such-group-fsp; do
    check "$o: fuse_new fails, naming it" \
        sh -c '! timeout 10 "$1" -f -o "$2" "$3" >"$4" 2>&1 && grep -q "$2" "$4"' \
        sh "$MEMFS" "$o" "$FSP_TMP/made" "$FSP_TMP/unknown.err"
done

# reads_of OPTS: mount with -d -o DebugLog=LOG,OPTS, write a file, read it
# with cat twice; sets READS to the READ requests in LOG the second read
# caused, ERR to the lines -d printed on stderr, TRACE to LOG's lines.
reads_of() {
    READS= ERR= TRACE=
    M=$FSP_TMP/dlog
    local log=$FSP_TMP/debug.log err=$FSP_TMP/debug.err before
    rm -f "$log"
    # shellcheck disable=SC2016 # $1 and $@ are the inner shell's
    if ! fsp_start_fs "$M" sh -c 'err=$1; shift; exec "$@" >/dev/null 2>"$err"' sh "$err" \
        "$MEMFS" -d -o "DebugLog=$log$1" "$M"; then
        fail "-o DebugLog=$log$1: mounts"
        fsp_stop_fs "$FSP_PID" "$M"
        return 1
    fi
    head -c 65536 /dev/urandom >"$M/f"
    cat "$M/f" >/dev/null
    sleep 0.1
    before=$(grep -c ' READ(' "$log")
    cat "$M/f" >/dev/null
    sleep 0.1
    READS=$(($(grep -c ' READ(' "$log") - before))
    TRACE=$(wc -l <"$log")
    stop_with TERM "$FSP_PID" "$M" >/dev/null || fail "-o DebugLog: SIGTERM unmounts and exits 0"
    ERR=$(grep -c -E ' (LOOKUP|GETATTR|READ|WRITE)\(' "$err")
}
reads_of ''
check "DebugLog=FILE gets the request trace ($TRACE lines, $READS READs)" test "${READS:-0}" -ge 1
check "DebugLog=FILE: stderr has no trace lines ($ERR)" test "$ERR" = 0
nokeep=$READS
reads_of ,KeepFileCache
check "KeepFileCache: the second open reads from the page cache ($READS READs, $nokeep without)" \
    test "$READS" = 0 -a "$nokeep" -ge 1

# --- As a user, through fusermount3 -------------------------------------------------
RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if ! command -v fusermount3 >/dev/null; then
    fail "fusermount3 installed (apt-get install fuse3)"
elif [ "$(id -u)" -ne 0 ]; then
    echo "SKIP user mounts need root to switch users"
else
    fsp_dev_fuse_for_users
    chmod 0711 "$FSP_TMP"
    U=$FSP_TMP/user
    UD=$FSP_TMP/userdeb
    mkdir -p "$U" "$UD"
    chown 65534:65534 "$U" "$UD"
    [ -z "$DEB" ] || chmod 0755 "$DEB"
    for set in - noexec,noatime,sync,dirsync ro suid,dev; do
        mapfile -t o < <(opt_args "$set")
        flags_of "user $set" "$U" "${RUNAS[@]}" "$MEMFS" -f "${o[@]}" "$U"
        ours=$FLAGS
        if [ -n "$DEB" ]; then
            LD_LIBRARY_PATH='' LD_PRELOAD='' flags_of "debian user $set" "$UD" "${RUNAS[@]}" "$DEB" -f "${o[@]}" "$UD"
            ref=$FLAGS
            if [ -n "$ours" ] && [ "$ours" = "$ref" ]; then
                pass "user -o $set: $ours (as Debian's libfuse3)"
            else
                fail "user -o $set: ours '$ours', Debian's libfuse3 '$ref'"
            fi
        else
            [ -n "$ours" ] || fail "user -o $set: mounts"
        fi
    done
fi

fsp_done
