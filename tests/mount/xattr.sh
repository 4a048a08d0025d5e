#!/usr/bin/env bash
# xattr.sh - Linux extended attributes on MEMFS, i.e. "user." xattrs as
# WinFsp EAs through the native adapter (doc/design.md, "Extended
# attributes"): set/get/list/remove with getfattr/setfattr, XATTR_CREATE and
# XATTR_REPLACE, the size-0 and ERANGE protocol, ENODATA, binary and 64 KiB
# values, a thousand attributes, case-insensitive names (case-preserved, and
# uppercased with memfs -U), namespaces that are not EAs (EOPNOTSUPP), the
# empty value (EINVAL), an unlinked open file, cp --preserve=xattr and
# tar --xattrs both ways, and a volume without EAs (pendfs: EOPNOTSUPP).
#
# Where both can do an operation, the result is compared with a reference
# directory: a tmpfs when running as root, else the test's own directory.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
XT=$FSP_BUILD/tests/xattrtool
PENDFS=$FSP_BUILD/tests/pendfs
export XT

fsp_need_tools xattr setfattr getfattr
fsp_need_built xattr "$MEMFS" "$XT" "$PENDFS"

# The reference: a tmpfs of our own when we may mount one (lib.sh unmounts
# it on exit), else a plain directory.
REF=$FSP_TMP/ref
mkdir -p "$REF"
[ "$(id -u)" -eq 0 ] && fsp_mount_tmpfs "$REF" fsp-xattr-ref size=64m 2>/dev/null
if ! { touch "$REF/probe" && setfattr -n user.probe -v 1 "$REF/probe"; } 2>/dev/null; then
    fail "xattr: the reference directory ($REF) takes user xattrs"
    fsp_done
fi
rm -f "$REF/probe"
echo "    reference: $(findmnt -no FSTYPE -T "$REF")"

# run_in DIR SCRIPT: SCRIPT (bash) in DIR, stdout and stderr together, and
# the exit status on a last line.
run_in() {
    (cd "$1" && timeout 120 bash -c "$2" 2>&1; echo "exit $?")
}

# both NAME SCRIPT: SCRIPT gives the same output and status on MEMFS and on
# the reference directory (each run in a fresh subdirectory).
N=0
both() {
    local name=$1 script=$2 a b
    N=$((N + 1))
    mkdir -p "$M/t$N" "$REF/t$N"
    a=$(run_in "$M/t$N" "$script")
    b=$(run_in "$REF/t$N" "$script")
    if [ "$a" == "$b" ]; then
        pass "$name"
    else
        fail "$name"
        echo "    MEMFS:"
        echo "$a" | head -20 | sed 's/^/      /'
        echo "    reference:"
        echo "$b" | head -20 | sed 's/^/      /'
    fi
}

# expect NAME EXPECTED SCRIPT: SCRIPT, run on the mount $M (in a fresh
# subdirectory where one can be made), prints EXPECTED.
expect() {
    local name=$1 want=$2 script=$3 got dir
    N=$((N + 1))
    dir=$M/t$N
    mkdir -p "$dir" 2>/dev/null || dir=$M
    got=$(cd "$dir" && timeout 120 bash -c "$script" 2>&1)
    if [ "$got" == "$want" ]; then
        pass "$name"
    else
        fail "$name"
        echo "    expected: $(echo "$want" | head -5)"
        echo "    got:      $(echo "$got" | head -5)"
    fi
}

M=$FSP_TMP/m
fsp_need_logged "xattr: mount MEMFS" memfs "$M" "$MEMFS"

# ===========================================================================
# The basics, compared with the reference
# ===========================================================================
both "set, get, list with setfattr/getfattr" '
    echo data >f
    setfattr -n user.color -v blue f
    setfattr -n user.shape -v round f
    getfattr -n user.color --only-values f; echo
    getfattr -d f
    $XT list f | LC_ALL=C sort'
both "a new value replaces the old one (longer, then shorter)" '
    touch f
    setfattr -n user.v -v short f
    setfattr -n user.v -v "a much longer value than before" f
    $XT get f user.v; echo
    setfattr -n user.v -v x f
    $XT get f user.v; echo
    $XT list f'
both "remove: gone from get and list; a second remove is ENODATA" '
    touch f
    setfattr -n user.a -v 1 f
    setfattr -n user.b -v 2 f
    setfattr -x user.a f
    $XT get f user.a
    $XT list f
    $XT remove f user.a
    getfattr -d f'
both "a missing attribute: ENODATA from get and remove" '
    touch f
    $XT get f user.none
    $XT size f user.none
    $XT remove f user.none
    getfattr -d f; echo "getfattr -d on no attributes: exit $?"'
both "XATTR_CREATE on an existing attribute is EEXIST" '
    touch f
    $XT set f user.a first create && echo created
    $XT set f user.a second create
    $XT get f user.a; echo'
both "XATTR_REPLACE on a missing attribute is ENODATA, on an existing one replaces" '
    touch f
    $XT set f user.a v replace
    $XT list f
    $XT set f user.a v1
    $XT set f user.a v2 replace && echo replaced
    $XT get f user.a; echo'
both "size 0 gives the size needed; a short buffer gives ERANGE" '
    touch f
    $XT set f user.v 12345
    $XT set f user.w abc
    $XT size f user.v
    $XT get f user.v 4
    $XT get f user.v 5; echo
    $XT listsize f
    $XT list f 13
    $XT list f 14 | LC_ALL=C sort # tmpfs lists in its own order'
both "binary values: every byte value, NULs included" '
    for i in $(seq 0 255); do printf "\\$(printf %03o "$i")"; done >bytes
    wc -c <bytes
    touch f
    $XT setfile f user.bin bytes
    $XT size f user.bin
    $XT get f user.bin >back && cmp bytes back && echo same'
both "a 65535-byte value round-trips" '
    head -c 65535 /dev/urandom >big 2>/dev/null || true
    touch f
    $XT setfile f user.big big
    $XT size f user.big
    $XT get f user.big >back && cmp big back && echo same
    $XT get f user.big 65534'
both "directories carry attributes" '
    mkdir d
    setfattr -n user.dir -v yes d
    getfattr -d d'
both "symlinks refuse user attributes (the kernel says EPERM)" '
    touch f; ln -s f l
    setfattr -h -n user.x -v 1 l 2>/dev/null; echo "setfattr -h: $?"
    $XT get l user.x >/dev/null; getfattr -h -d l'
both "an unlinked open file: fsetxattr, fgetxattr, flistxattr, fremovexattr" '
    $XT unlinked f user.u value'
both "O_TRUNC, appends and renames keep the attributes" '
    echo one >f
    setfattr -n user.keep -v me f
    echo two >f
    echo three >>f
    mv f g
    getfattr -d g; cat g'
both "a thousand attributes (setfattr --restore), then half removed" '
    touch f
    { echo "# file: f"; for i in $(seq 1 1000); do echo "user.attr$i=\"value number $i\""; done; } >dump
    setfattr --restore=dump
    getfattr -d f | LC_ALL=C sort | md5sum
    $XT listsize f
    for i in $(seq 1 2 999); do setfattr -x user.attr$i f; done
    getfattr -d f | LC_ALL=C sort | md5sum
    $XT list f | wc -l
    $XT get f user.attr1000; echo'

# ===========================================================================
# Where MEMFS (WinFsp's EA rules) differs from tmpfs
# ===========================================================================
expect "a 65536-byte value is E2BIG (EaValueLength is 16 bits)" "E2BIG" '
    head -c 65536 /dev/zero >big; touch f; $XT setfile f user.big big'
expect "an empty value is refused with EINVAL, not taken as a delete" \
    "$(printf 'EINVAL\nsetfattr: exit 1\nENODATA\nEINVAL\nx')" '
    touch f
    $XT set f user.e ""
    setfattr -n user.e -v "" f 2>/dev/null; echo "setfattr: exit $?"
    $XT get f user.e
    $XT set f user.k x; $XT set f user.k ""; $XT get f user.k'
expect "names EAs cannot have: EINVAL to set, ENODATA to get or remove" \
    "$(printf 'EINVAL\nEINVAL\nEINVAL\nENODATA\nENODATA\n')" '
    touch f
    $XT set f "user.a:b" 1
    $XT set f "user.a*b" 1
    $XT set f "user." 1
    $XT get f "user.a:b"
    $XT remove f "user.a|b"
    $XT list f'
expect "EA names are case-insensitive, and kept in the case last set" \
    "$(printf '1\nuser.Mixed.Case\n2\nEEXIST\nuser.mixed.case\n')" '
    touch f
    setfattr -n user.Mixed.Case -v 1 f
    getfattr -n user.MIXED.case --only-values f; echo
    $XT list f
    $XT set f user.mixed.case 2 replace
    $XT get f user.MIXED.CASE; echo
    $XT set f user.MIXED.CASE 3 create
    $XT list f'
expect "trusted., security. and system. are not EAs: EOPNOTSUPP" \
    "$(printf 'EOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nuser.ok\n')" '
    touch f
    $XT set f user.ok 1
    $XT set f trusted.x 1
    $XT get f trusted.x
    $XT set f security.x 1
    $XT get f security.selinux
    $XT remove f system.other
    $XT list f'
expect "security.capability (asked before each write) is ENODATA" "ENODATA" '
    touch f; $XT get f security.capability'
expect "setxattr moves ctime" "moved" '
    touch f; a=$(stat -c %z f); sleep 0.05
    setfattr -n user.t -v 1 f; b=$(stat -c %z f)
    [ "$a" != "$b" ] && echo moved'
expect "a value set through one name is read through another handle's view" "v" '
    echo x >f; exec 3<f; setfattr -n user.h -v v f; $XT get /proc/self/fd/3 user.h; exec 3<&-'

# ===========================================================================
# Programs: cp --preserve=xattr and tar --xattrs, across MEMFS and the reference
# ===========================================================================
mkdir -p "$REF/src/sub" "$M/src/sub"
for d in "$REF/src" "$M/src"; do
    echo one >"$d/a"
    echo two >"$d/sub/b"
    setfattr -n user.origin -v "https://example.com/a" "$d/a"
    setfattr -n user.mime_type -v text/plain "$d/a"
    setfattr -n user.tag -v sub "$d/sub"
    printf '\001\002\000\003' >"$d/bin"
    setfattr -n user.bin -v 0x00ff00ff "$d/sub/b"
done
# dump DIR: every file below DIR (sorted) with its user attributes (sorted).
dump() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | while read -r f; do
        echo "== $f"
        getfattr -d -m '^user\.' "$f" 2>&1 | grep -v '^#' | grep . | LC_ALL=C sort
    done)
}

cp -r --preserve=xattr "$REF/src" "$M/from-ref" 2>"$FSP_TMP/cp1.err"
check "cp --preserve=xattr from the reference to MEMFS" \
    [ "$(dump "$REF/src")" == "$(dump "$M/from-ref")" -a ! -s "$FSP_TMP/cp1.err" ]
cp -r --preserve=xattr "$M/src" "$REF/from-memfs" 2>"$FSP_TMP/cp2.err"
check "cp --preserve=xattr from MEMFS to the reference" \
    [ "$(dump "$M/src")" == "$(dump "$REF/from-memfs")" -a ! -s "$FSP_TMP/cp2.err" ]
cp -a "$M/src" "$M/copy" 2>"$FSP_TMP/cp3.err"
check "cp -a within MEMFS keeps the attributes" \
    [ "$(dump "$M/src")" == "$(dump "$M/copy")" -a ! -s "$FSP_TMP/cp3.err" ]
for f in cp1 cp2 cp3; do [ -s "$FSP_TMP/$f.err" ] && sed 's/^/    /' "$FSP_TMP/$f.err"; done

tar --xattrs --xattrs-include='user.*' -cf "$FSP_TMP/m.tar" -C "$M" src 2>"$FSP_TMP/tar1.err"
mkdir -p "$REF/untar" "$M/untar"
tar --xattrs --xattrs-include='user.*' -xf "$FSP_TMP/m.tar" -C "$REF/untar" 2>>"$FSP_TMP/tar1.err"
tar --xattrs --xattrs-include='user.*' -xf "$FSP_TMP/m.tar" -C "$M/untar" 2>>"$FSP_TMP/tar1.err"
check "tar --xattrs: MEMFS -> archive -> reference and MEMFS" \
    [ "$(dump "$M/src")" == "$(dump "$REF/untar/src")" -a \
    "$(dump "$M/src")" == "$(dump "$M/untar/src")" -a ! -s "$FSP_TMP/tar1.err" ]
[ -s "$FSP_TMP/tar1.err" ] && sed 's/^/    /' "$FSP_TMP/tar1.err"

check "git init/add/commit still works (writes ask for security.capability)" \
    bash -c "cd '$M' && mkdir g && cd g && git init -q && echo x >x && git add x &&
             git -c user.name=t -c user.email=t@e commit -qm x && git log --oneline | grep -q x"
check "writes of many small blocks" \
    bash -c "dd if=/dev/zero of='$M/small' bs=512 count=2000 status=none &&
             [ \"\$(stat -c %s '$M/small')\" -eq 1024000 ]"

check "MEMFS: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"

# ===========================================================================
# memfs -U: EA names uppercased, as Windows stores them by default
# ===========================================================================
M=$FSP_TMP/upper
if fsp_start_logged upper "$M" "$MEMFS" -U; then
    expect "-U: names are stored uppercased; any spelling finds them" \
        "$(printf 'user.LOWER\nuser.MIXED\n1\n2\n')" '
        touch f
        setfattr -n user.lower -v 1 f
        setfattr -n user.Mixed -v 2 f
        $XT list f
        $XT get f user.lower; echo
        getfattr -n user.mIxEd --only-values f; echo'
    check "-U: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "xattr: mount memfs -U"
fi

# ===========================================================================
# memfs -r: no changes
# ===========================================================================
M=$FSP_TMP/ro
if fsp_start_logged ro "$M" "$MEMFS" -r; then
    expect "-r: setxattr and removexattr are EROFS; getxattr works" \
        "$(printf 'EROFS\nEROFS\nENODATA\n')" '
        $XT set . user.a 1; $XT remove . user.a; $XT get . user.a; $XT list .'
    check "-r: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "xattr: mount memfs -r"
fi

# ===========================================================================
# A volume without EAs (pendfs): EOPNOTSUPP on every call, every time
# ===========================================================================
M=$FSP_TMP/noea
if fsp_start_logged noea "$M" "$PENDFS" --mode=sync; then
    expect "no EAs: set, get, list, remove are EOPNOTSUPP (and stay so)" \
        "$(printf 'EOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\nEOPNOTSUPP\n')" '
        echo x >f
        $XT set f user.a 1; $XT get f user.a; $XT list f; $XT remove f user.a
        $XT get f security.capability; $XT get f user.a; $XT set f user.b 2'
    check "no EAs: writes still work" bash -c "echo hello >'$M/w' && [ \"\$(cat '$M/w')\" == hello ]"
    check "no EAs: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "xattr: mount pendfs"
fi

fsp_done
