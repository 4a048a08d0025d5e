#!/usr/bin/env bash
# reparse.sh - arbitrary reparse points from Linux through the
# system.fsp.reparse xattr on MEMFS (doc/windows-on-linux.md, "Reparse
# points"): a custom Microsoft tag and a third-party tag with its GUID are
# set, read back byte for byte, replaced with data of the same tag (and
# GUID), refused over another tag or GUID (EEXIST), honour XATTR_CREATE and
# XATTR_REPLACE, and are removed; malformed buffers are EINVAL; symlinks and
# special files keep their type (a symlink may get a new target, nothing
# turns into or out of a symlink or FIFO); only the owner changes them.
# Also system.fsp.name on a case-sensitive volume (the case-insensitive side
# is conformance.sh's --case-rename run).
# shellcheck disable=SC2016 # the test scripts are single-quoted for bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
XT=$FSP_BUILD/tests/xattrtool
export XT

fsp_need_tools reparse setfattr getfattr
fsp_need_built reparse "$MEMFS" "$XT"

# Buffers (hex). MS: a custom Microsoft tag 0x8000BEEF,
# 5 bytes "hello"; MS2: same tag, "world!"; OTHER: tag 0x8000CAFE.
# GUIDn: third-party tag 0x0000BEEF, GUID 00112233-..., data "abc"/"xyzw";
# GUIDX: same tag, another GUID.
export MS=0xefbe00800500000068656c6c6f       # "hello"
export MS2=0xefbe008006000000776f726c6421    # "world!"
export OTHER=0xfeca00800100000058
export GUID1=0xefbe00000300000000112233445566778899aabbccddeeff616263
export GUID2=0xefbe00000400000000112233445566778899aabbccddeeff78797a77
export GUIDX=0xefbe000003000000ffeeddccbbaa99887766554433221100616263
# getreparse FILE: the value as getfattr -e hex prints it (no dereference).
export GETR='getfattr -h -e hex -n system.fsp.reparse'
# setbin FILE HEX [create|replace]: setxattr with exactly those bytes, via
# xattrtool (which prints the errno name on failure).
# shellcheck disable=SC2317 # called from the test scripts (export -f)
setbin() {
    local bin hex=${2#0x} bytes='' i
    bin=$(mktemp) || return 1
    for ((i = 0; i < ${#hex}; i += 2)); do bytes+="\\x${hex:i:2}"; done
    printf '%b' "$bytes" >"$bin"
    "$XT" setfile "$1" system.fsp.reparse "$bin" ${3:+"$3"}
    rm -f "$bin"
}
export -f setbin

M=$FSP_TMP/m
fsp_need_logged "reparse: mount MEMFS" memfs "$M" "$MEMFS"
chmod 0755 "$M"

fsp_expect "a file without a reparse point: ENODATA; set with setfattr, read back with getfattr" \
    "$(printf 'ENODATA\nsystem.fsp.reparse=%s\nregular file\n0x00000420\nhello' "$MS")" '
    printf hello >f
    $XT get f system.fsp.reparse
    setfattr -n system.fsp.reparse -v $MS f
    $GETR f 2>/dev/null | grep "^system"
    stat -c %F f
    $XT get f system.fsp.attributes; echo
    cat f'

fsp_expect "same tag replaces; another tag is EEXIST; XATTR_CREATE EEXIST; remove; ENODATA after" \
    "$(printf 'system.fsp.reparse=%s\nEEXIST\nEEXIST\nsystem.fsp.reparse=%s\n0x00000020\nENODATA\nENODATA\nENODATA' "$MS2" "$MS2")" '
    touch f
    setfattr -n system.fsp.reparse -v $MS f
    setbin f $MS2 replace
    $GETR f 2>/dev/null | grep "^system"
    setbin f $OTHER
    setbin f $MS2 create
    $GETR f 2>/dev/null | grep "^system"
    setfattr -x system.fsp.reparse f
    $XT get f system.fsp.attributes; echo
    $XT get f system.fsp.reparse
    $XT remove f system.fsp.reparse
    setbin f $MS replace'

fsp_expect "third-party tags: GUID kept on replace, another GUID EEXIST, removed" \
    "$(printf 'system.fsp.reparse=%s\nEEXIST\nsystem.fsp.reparse=%s\nENODATA' "$GUID2" "$GUID2")" '
    touch g
    setfattr -n system.fsp.reparse -v $GUID1 g
    setfattr -n system.fsp.reparse -v $GUID2 g
    $GETR g 2>/dev/null | grep "^system"
    setbin g $GUIDX
    $GETR g 2>/dev/null | grep "^system"
    setfattr -x system.fsp.reparse g
    $XT get g system.fsp.reparse'

fsp_expect "malformed buffers are EINVAL and change nothing" \
    "$(printf 'EINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nENODATA')" '
    touch f
    setbin f 0xefbe000806000000616263          # length says 6, 3 follow
    setbin f 0x0000000000000000                # reserved tag 0
    setbin f 0xefbe000003000000616263          # third-party tag without a GUID
    setbin f 0xefbe018000000000                # a bit outside 0xF000FFFF
    setbin f 0x0c0000a00c000000000010000000100000000000 # symlink name past the data
    $XT get f system.fsp.reparse'

fsp_expect "directories: an empty one takes a reparse point, a non-empty one refuses" \
    "$(printf 'system.fsp.reparse=%s\ndirectory\nENOTEMPTY\nENODATA' "$MS")" '
    mkdir d e; touch e/x
    setfattr -n system.fsp.reparse -v $MS d
    $GETR d 2>/dev/null | grep "^system"
    stat -c %F d
    setfattr -x system.fsp.reparse d
    r=$(setfattr -n system.fsp.reparse -v $MS e 2>&1) || case $r in *"not empty"*) echo ENOTEMPTY;; *) echo "$r";; esac
    $XT get e system.fsp.reparse'

# Symlinks and special files: their reparse data is readable; a symlink can
# get a new target; nothing changes a file's type.
SYMHEX=0x0c0000a01800000000000c0000000c0001000000$(printf 'n\0e\0w\0t\0g\0t\0' | od -An -tx1 | tr -d ' \n')
export SYMHEX
fsp_expect "symlinks: data readable, new target through the xattr, no type change, no removal" \
    "$(printf '0x0c0000a0\nnewtgt\nsymbolic link\nEEXIST\nEPERM\nEINVAL\nregular empty file\nnewtgt')" '
    ln -s target l
    touch f
    $GETR l 2>/dev/null | grep "^system" | cut -c20-29
    setfattr -h -n system.fsp.reparse -v $SYMHEX l
    readlink l
    stat -c %F l
    r=$(setfattr -h -n system.fsp.reparse -v $MS l 2>&1) || case $r in *exists*) echo EEXIST;; *) echo "$r";; esac
    r=$(setfattr -h -x system.fsp.reparse l 2>&1) || case $r in *permitted*) echo EPERM;; *) echo "$r";; esac
    setbin f $SYMHEX
    stat -c %F f
    readlink l'

fsp_expect "special files: NFS data readable, type kept (FIFO stays FIFO), no removal" \
    "$(printf '0x14000080080000004649464f00000000\nEINVAL\nEPERM\nfifo')" '
    mkfifo p
    $GETR p 2>/dev/null | grep "^system" | cut -c20-
    r=$(setfattr -n system.fsp.reparse -v 0x140000801000000043485200000000000100000003000000 p 2>&1) || case $r in *nvalid*) echo EINVAL;; *) echo "$r";; esac
    r=$(setfattr -x system.fsp.reparse p 2>&1) || case $r in *permitted*) echo EPERM;; *) echo "$r";; esac
    stat -c %F p | sed "s/.*fifo.*/fifo/"'

fsp_expect "an unlinked open file: reparse data through its descriptor; it has no name" \
    "$(printf 'efbe00800500000068656c6c6f\nENOENT\nENOENT')" '
    touch f; exec 3<f; rm f
    setbin /proc/self/fd/3 $MS
    $XT get /proc/self/fd/3 system.fsp.reparse | od -An -tx1 | tr -d " \n"; echo
    $XT get /proc/self/fd/3 system.fsp.name
    $XT set /proc/self/fd/3 system.fsp.name f
    exec 3<&-'

fsp_expect "system.fsp.name on a case-sensitive volume: the name; another spelling is another name" \
    "$(printf 'Foo\nEINVAL\nEINVAL\nFoo')" '
    touch Foo
    $XT get Foo system.fsp.name; echo
    $XT set Foo system.fsp.name foo
    touch foo; $XT set Foo system.fsp.name foo
    rm foo; ls'

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    chmod 0711 "$FSP_TMP"
    fsp_expect "only the owner (or root) changes a reparse point; anybody reads it" \
        "$(printf 'EPERM\nEPERM\nsystem.fsp.reparse=%s' "$MS")" '
        touch f
        setfattr -n system.fsp.reparse -v $MS f
        N="setpriv --reuid=65534 --regid=65534 --clear-groups"
        $N bash -c "setbin f $MS2"
        $N $XT remove f system.fsp.reparse
        $N $GETR f 2>/dev/null | grep "^system"'
fi

check "reparse: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"

# A read-only volume refuses changes but still reads (no fresh directory:
# the scripts run on its root).
M=$FSP_TMP/ro
if fsp_start_logged ro "$M" "$MEMFS" -r; then
    FSP_EXPECT_DIR=$M fsp_expect "-r: get is ENODATA, set and remove are EROFS" \
        "$(printf 'ENODATA\nEROFS\nEROFS')" '
        $XT get . system.fsp.reparse
        setbin . $MS
        $XT remove . system.fsp.reparse'
    check "reparse -r: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "reparse: mount memfs -r"
fi

fsp_done
