#!/usr/bin/env bash
# winattr.sh - Windows metadata as xattrs on MEMFS (doc/design.md, "Windows
# metadata as xattrs"): system.fsp.sddl (the security descriptor as SDDL:
# owner mapping, DACL -> mode, chmod -> DACL, owner-only changes and what a
# non-root owner may not do, EINVAL for bad text, SACL), system.fsp.attributes
# (numbers, names, +/- changes, DIRECTORY/REPARSE_POINT refused),
# system.fsp.crtime (exact to 100 ns, before 1970, limits), the xattr
# protocol around them (size 0, ERANGE, XATTR_CREATE, removexattr, not
# listed, an unlinked open file), a read-only volume, and a volume without
# security (pendfs).
# shellcheck disable=SC2016 # the test scripts are single-quoted for bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
XT=$FSP_BUILD/tests/xattrtool
PENDFS=$FSP_BUILD/tests/pendfs
export XT

fsp_need_tools winattr setfattr getfattr setpriv
fsp_need_built winattr "$MEMFS" "$XT" "$PENDFS"
fsp_need_root winattr.sh "other owners, setpriv"

# Another user must reach the mounts below FSP_TMP.
chmod 0711 "$FSP_TMP"
export NOBODY_CMD="setpriv --reuid=65534 --regid=65534 --clear-groups"

M=$FSP_TMP/m
fsp_need_logged "winattr: mount MEMFS" memfs "$M" "$MEMFS"
chmod 0755 "$M"

# ===========================================================================
# system.fsp.sddl
# ===========================================================================
fsp_expect "sddl: owner and group follow the uid/gid mapping" \
    "$(printf 'O:S-1-5-0G:S-1-5-0D:P\nO:S-1-22-1-70000G:S-1-22-2-70001D:P\nO:S-1-5-1000G:S-1-5-32-600D:P\nO:S-1-0-65534G:S-1-0-65534D:P')" '
    touch root mine
    chown 70000:70001 mine
    touch mixed; chown 1000:600 mixed
    $NOBODY_CMD touch nobody
    for f in root mine mixed nobody; do
        getfattr -n system.fsp.sddl --only-values $f | grep -o "^O:[^G]*G:[^D]*D:P"
    done'
fsp_expect "sddl: no trailing NUL; size 0 gives the length; a short buffer is ERANGE" \
    "$(printf ')\nsame\nERANGE')" '
    touch f
    $XT get f system.fsp.sddl | tail -c 1; echo
    [ "$($XT size f system.fsp.sddl)" -eq "$($XT get f system.fsp.sddl | wc -c)" ] && echo same
    $XT get f system.fsp.sddl 8'
fsp_expect "sddl: everyone full access is 0777, owner and group kept" \
    "$(printf '644 70000 70001\n777 70000 70001\nO:S-1-22-1-70000G:S-1-22-2-70001D:P(A;;FA;;;WD)')" '
    touch f; chown 70000:70001 f
    stat -c "%a %u %g" f
    setfattr -n system.fsp.sddl -v "D:P(A;;FA;;;WD)" f
    stat -c "%a %u %g" f
    getfattr -n system.fsp.sddl --only-values f'
fsp_expect "sddl: a DACL with owner, group and everyone ACEs gives 0751" "751" '
    touch f; chown 70000:70001 f
    setfattr -n system.fsp.sddl \
        -v "D:P(A;;FA;;;S-1-22-1-70000)(A;;FR;;;S-1-22-2-70001)(A;;FX;;;WD)" f
    stat -c %a f'
fsp_expect "sddl: an empty DACL is 0000; NO_ACCESS_CONTROL is 0777" "$(printf '0\n777')" '
    touch f
    setfattr -n system.fsp.sddl -v "D:P" f; stat -c %a f
    setfattr -n system.fsp.sddl -v "D:NO_ACCESS_CONTROL" f; stat -c %a f'
fsp_expect "sddl: O: and G: change uid and gid (root)" "70002 70003" '
    touch f
    setfattr -n system.fsp.sddl -v "O:S-1-22-1-70002G:S-1-22-2-70003" f
    stat -c "%u %g" f'
fsp_expect "sddl: chmod changes the DACL; the old text restores the old mode" \
    "$(printf 'changed\n640\n755\n640')" '
    touch f; chown 70000:70001 f; chmod 755 f
    a=$(getfattr -n system.fsp.sddl --only-values f)
    chmod 640 f
    b=$(getfattr -n system.fsp.sddl --only-values f)
    [ "$a" != "$b" ] && echo changed
    stat -c %a f
    setfattr -n system.fsp.sddl -v "$a" f; stat -c %a f
    setfattr -n system.fsp.sddl -v "$b" f; stat -c %a f'
fsp_expect "sddl: a setgid directory (NULL SID ACE) makes new files take its group" \
    "$(printf '2770\n70001')" '
    mkdir d; chown 70000:70001 d
    setfattr -n system.fsp.sddl \
        -v "D:P(A;;0x2;;;S-1-0-0)(A;;FA;;;S-1-22-1-70000)(A;;FA;;;S-1-22-2-70001)" d
    stat -c %a d
    touch d/new; stat -c %g d/new'
fsp_expect "sddl: a SACL is kept and shown (root)" "S:(AU;SA;FA;;;WD)" '
    touch f
    setfattr -n system.fsp.sddl -v "S:(AU;SA;FA;;;WD)" f
    getfattr -n system.fsp.sddl --only-values f | grep -o "S:.*"'
fsp_expect "sddl: bad text is EINVAL and changes nothing" \
    "$(printf 'EINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nunchanged')" '
    touch f; a=$(getfattr -n system.fsp.sddl --only-values f)
    $XT set f system.fsp.sddl "garbage"
    $XT set f system.fsp.sddl "D:(X;;FA;;;WD)"
    $XT set f system.fsp.sddl "O:S-1-5-0O:S-1-5-0"
    $XT set f system.fsp.sddl "O:ZZ"
    $XT set f system.fsp.sddl ""
    $XT set f system.fsp.sddl "   "
    [ "$(getfattr -n system.fsp.sddl --only-values f)" == "$a" ] && echo unchanged'
fsp_expect "sddl: a trailing newline or NUL is accepted" "$(printf '777\n700')" '
    touch f
    setfattr -n system.fsp.sddl -v "D:P(A;;FA;;;WD)
" f; stat -c %a f
    printf "D:P(A;;FA;;;S-1-5-0)\0" >v; $XT setfile f system.fsp.sddl v; stat -c %a f'
fsp_expect "sddl: setting moves ctime, not mtime" "ctime moved, mtime kept" '
    touch f; m=$(stat -c %Y.%y f); c=$(stat -c %z f); sleep 0.05
    setfattr -n system.fsp.sddl -v "D:P(A;;FA;;;WD)" f
    [ "$(stat -c %z f)" != "$c" ] && [ "$(stat -c %Y.%y f)" == "$m" ] && echo "ctime moved, mtime kept"'

# ===========================================================================
# Who may change what
# ===========================================================================
fsp_expect "a non-owner reads but cannot change (EPERM), even with rw access" \
    "$(printf 'readable\nEPERM\nEPERM\nEPERM\n666')" '
    touch f; chmod 666 f
    $NOBODY_CMD $XT get f system.fsp.sddl | grep -q "^O:S-1-5-0" && echo readable
    $NOBODY_CMD $XT set f system.fsp.sddl "D:P(A;;FA;;;WD)"
    $NOBODY_CMD $XT set f system.fsp.attributes hidden
    $NOBODY_CMD $XT set f system.fsp.crtime 5
    stat -c %a f'
fsp_expect "root changes another user's file" "$(printf '777\n0x00000002\n5.000000000')" '
    $NOBODY_CMD touch f
    setfattr -n system.fsp.sddl -v "D:P(A;;FA;;;WD)" f; stat -c %a f
    setfattr -n system.fsp.attributes -v hidden f
    getfattr -n system.fsp.attributes --only-values f; echo
    setfattr -n system.fsp.crtime -v 5 f
    getfattr -n system.fsp.crtime --only-values f; echo'
fsp_expect "a non-root owner sets its DACL, attributes and crtime" \
    "$(printf '700\n0x00000001\n7.000000000')" '
    $NOBODY_CMD bash -c "
        touch f
        \$XT set f system.fsp.sddl \"D:P(A;;FA;;;S-1-0-65534)\" && stat -c %a f
        \$XT set f system.fsp.attributes readonly && \$XT get f system.fsp.attributes && echo
        \$XT set f system.fsp.crtime 7 && \$XT get f system.fsp.crtime && echo"'
fsp_expect "a non-root owner may not give the file away, regroup it, set setgid or a SACL" \
    "$(printf 'EPERM\nEPERM\nEPERM\nEPERM\nEPERM\nunchanged\nok\n640')" '
    touch f; chown 65534:70001 f; chmod 640 f; a=$($XT get f system.fsp.sddl)
    $NOBODY_CMD bash -c "
        \$XT set f system.fsp.sddl O:S-1-5-0
        \$XT set f system.fsp.sddl G:S-1-22-2-70002
        \$XT set f system.fsp.sddl G:S-1-5-0
        \$XT set f system.fsp.sddl \"D:P(A;;0x2;;;S-1-0-0)(A;;FA;;;WD)\"
        \$XT set f system.fsp.sddl S:"
    [ "$($XT get f system.fsp.sddl)" == "$a" ] && echo unchanged
    $NOBODY_CMD $XT set f system.fsp.sddl "O:S-1-0-65534$(echo "$a" | grep -o "D:.*")" && echo ok
    stat -c %a f'
fsp_expect "a non-root owner may set setgid for its own group" "2777" '
    $NOBODY_CMD bash -c "
        mkdir d
        \$XT set d system.fsp.sddl \"D:P(A;;0x2;;;S-1-0-0)(A;;FA;;;WD)\" && stat -c %a d"'

# ===========================================================================
# system.fsp.attributes
# ===========================================================================
fsp_expect "attributes: a new file is ARCHIVE, a directory DIRECTORY" \
    "$(printf '0x00000020\n0x00000010')" '
    touch f; mkdir d
    getfattr -n system.fsp.attributes --only-values f; echo
    getfattr -n system.fsp.attributes --only-values d; echo'
fsp_expect "attributes: names, numbers, normal" \
    "$(printf '0x00000003\n0x00000021\n0x00000106\n0x00000000\n0x00000000\n0x00000004\n0x00000001')" '
    touch f
    for v in readonly,hidden 0x21 "SYSTEM | Hidden temporary" normal 0 4 0X1; do
        $XT set f system.fsp.attributes "$v"
        getfattr -n system.fsp.attributes --only-values f; echo
    done'
fsp_expect "attributes: setfattr takes -v 0x21 as a byte; quoted it is the number" \
    "$(printf 'EINVAL\n0x00000021')" '
    touch f
    setfattr -n system.fsp.attributes -v 0x21 f 2>/dev/null || echo EINVAL
    setfattr -n system.fsp.attributes -v \"0x21\" f
    getfattr -n system.fsp.attributes --only-values f; echo'
fsp_expect "attributes: +/- changes keep the other bits" "$(printf '0x00000023\n0x00000003\n0x00000002')" '
    touch f
    setfattr -n system.fsp.attributes -v +readonly,+hidden f
    getfattr -n system.fsp.attributes --only-values f; echo
    setfattr -n system.fsp.attributes -v -archive f
    getfattr -n system.fsp.attributes --only-values f; echo
    setfattr -n system.fsp.attributes -v "-readonly +hidden" f
    getfattr -n system.fsp.attributes --only-values f; echo'
fsp_expect "attributes: READONLY files and directories cannot be deleted or replaced" \
    "$(printf 'rm EPERM\nrmdir EPERM\nmv over file EACCES\nmv over dir EPERM\nmv itself ok\nrm ok\nrmdir ok')" '
    echo data >f; mkdir d; mkdir e; echo new >g
    setfattr -n system.fsp.attributes -v +readonly f
    setfattr -n system.fsp.attributes -v +readonly d
    rm -f f 2>&1 | grep -q "Operation not permitted" && echo "rm EPERM"
    rmdir d 2>&1 | grep -q "Operation not permitted" && echo "rmdir EPERM"
    mv -T g f 2>&1 | grep -q "Permission denied" && echo "mv over file EACCES"
    mv -T e d 2>&1 | grep -q "Operation not permitted" && echo "mv over dir EPERM"
    mv f f2 && test "$(cat f2)" = data && echo "mv itself ok"
    setfattr -n system.fsp.attributes -v -readonly f2
    setfattr -n system.fsp.attributes -v -readonly d
    rm f2 && echo "rm ok"
    rmdir d && echo "rmdir ok"'
fsp_expect "attributes: a directory keeps DIRECTORY; adding or removing it is EINVAL" \
    "$(printf '0x00000012\nEINVAL\nEINVAL\nEINVAL\n0x00000012\n0x00000000')" '
    mkdir d; touch f; setfattr -n system.fsp.attributes -v 0 f
    setfattr -n system.fsp.attributes -v hidden d
    getfattr -n system.fsp.attributes --only-values d; echo
    $XT set d system.fsp.attributes -directory
    $XT set f system.fsp.attributes 0x10
    $XT set f system.fsp.attributes +directory
    $XT set d system.fsp.attributes 0x12 && getfattr -n system.fsp.attributes --only-values d; echo
    getfattr -n system.fsp.attributes --only-values f; echo'
fsp_expect "attributes: REPARSE_POINT (a symlink) is kept, and cannot be set or cleared" \
    "$(printf '0x00000420\n0x00000422\nEINVAL\nEINVAL')" '
    touch f; ln -s f l
    getfattr -h -n system.fsp.attributes --only-values l; echo
    setfattr -h -n system.fsp.attributes -v archive,hidden l
    getfattr -h -n system.fsp.attributes --only-values l; echo
    $XT set f system.fsp.attributes reparse
    $XT set f system.fsp.attributes 0x400'
fsp_expect "attributes: bad values are EINVAL" \
    "$(printf 'EINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\n0x00000020')" '
    touch f
    $XT set f system.fsp.attributes bogus
    $XT set f system.fsp.attributes "+hidden readonly"
    $XT set f system.fsp.attributes 0x100000000
    $XT set f system.fsp.attributes 0xzz
    $XT set f system.fsp.attributes ""
    $XT set f system.fsp.attributes ","
    getfattr -n system.fsp.attributes --only-values f; echo'

# ===========================================================================
# system.fsp.crtime
# ===========================================================================
fsp_expect "crtime: exact to 100 ns, truncated below" \
    "$(printf '1234567890.123456700\n1234567890.123456700\n0.000000100\n42.500000000\n1.000000000')" '
    touch f
    for v in 1234567890.1234567 1234567890.123456789 0.0000001 42.5 +1; do
        setfattr -n system.fsp.crtime -v "$v" f
        getfattr -n system.fsp.crtime --only-values f; echo
    done'
fsp_expect "crtime: before 1970 and back to 1601" \
    "$(printf -- '-1.500000000\n-0.000000100\n-11644473599.999999900\n-86400.000000000')" '
    touch f
    for v in -1.5 -0.0000001 -11644473599.9999999 -86400; do
        setfattr -n system.fsp.crtime -v "$v" f
        getfattr -n system.fsp.crtime --only-values f; echo
    done'
fsp_expect "crtime: out of range or malformed is EINVAL" \
    "$(printf 'EINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\nEINVAL\n5.000000000')" '
    touch f; setfattr -n system.fsp.crtime -v 5 f
    $XT set f system.fsp.crtime -11644473600
    $XT set f system.fsp.crtime 99999999999999999999
    $XT set f system.fsp.crtime 1.1234567890
    $XT set f system.fsp.crtime 1.
    $XT set f system.fsp.crtime abc
    $XT set f system.fsp.crtime "1 2"
    $XT set f system.fsp.crtime ""
    getfattr -n system.fsp.crtime --only-values f; echo'
fsp_expect "crtime: a new file is born now; setting it keeps mtime" "$(printf 'now\nkept')" '
    before=$(date +%s); touch f; after=$(date +%s)
    c=$(getfattr -n system.fsp.crtime --only-values f); c=${c%.*}
    [ "$c" -ge "$before" ] && [ "$c" -le "$after" ] && echo now
    m=$(stat -c %y f); setfattr -n system.fsp.crtime -v 1000 f
    [ "$(stat -c %y f)" == "$m" ] && echo kept'

# ===========================================================================
# The xattr protocol around them
# ===========================================================================
fsp_expect "XATTR_CREATE is EEXIST, XATTR_REPLACE works; removexattr is EPERM" \
    "$(printf 'EEXIST\n9.000000000\nEPERM\nEPERM\nEPERM')" '
    touch f
    $XT set f system.fsp.crtime 9 create
    $XT set f system.fsp.crtime 9 replace && $XT get f system.fsp.crtime; echo
    $XT remove f system.fsp.crtime
    $XT remove f system.fsp.sddl
    $XT remove f system.fsp.attributes'
fsp_expect "not listed (cp -a and tar would copy them); other system.fsp names are EOPNOTSUPP" \
    "$(printf 'user.a\nEOPNOTSUPP\nEOPNOTSUPP')" '
    touch f; setfattr -n user.a -v 1 f
    $XT list f
    $XT get f system.fsp.other
    $XT set f system.fsp.other 1'
fsp_expect "an unlinked open file: read and set through its descriptor" \
    "$(printf '0x00000002\n77.000000000\nD:P(A;;FA;;;WD)')" '
    touch f; exec 3<f; rm f
    $XT set /proc/self/fd/3 system.fsp.attributes hidden
    $XT get /proc/self/fd/3 system.fsp.attributes; echo
    $XT set /proc/self/fd/3 system.fsp.crtime 77
    $XT get /proc/self/fd/3 system.fsp.crtime; echo
    $XT set /proc/self/fd/3 system.fsp.sddl "D:P(A;;FA;;;WD)"
    $XT get /proc/self/fd/3 system.fsp.sddl | grep -o "D:.*"
    exec 3<&-'
if fsp_mount_tmpfs "$FSP_TMP/ref" fsp-winattr-ref size=16m; then
    mkdir -p "$M/src"
    echo x >"$M/src/a"
    setfattr -n user.k -v v "$M/src/a"
    setfattr -n system.fsp.attributes -v hidden "$M/src/a"
    cp -a --preserve=all "$M/src" "$FSP_TMP/ref/dst" 2>"$FSP_TMP/cp.err"
    check "cp -a --preserve=all to a tmpfs: no errors, user xattrs copied" \
        [ ! -s "$FSP_TMP/cp.err" -a "$(getfattr --absolute-names -n user.k --only-values "$FSP_TMP/ref/dst/a")" == v ]
    sed 's/^/    /' "$FSP_TMP/cp.err"
    fsp_umount_tmpfs "$FSP_TMP/ref"
fi

check "MEMFS: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"

# ===========================================================================
# memfs -r: reads work, changes are EROFS
# ===========================================================================
M=$FSP_TMP/ro
if fsp_start_logged ro "$M" "$MEMFS" -r; then
    FSP_EXPECT_DIR=$M fsp_expect "-r: get works; set is EROFS" \
        "$(printf 'O:S-1-5-0\n0x00000010\nEROFS\nEROFS\nEROFS')" '
        $XT get . system.fsp.sddl | grep -o "^O:S-1-5-0"
        $XT get . system.fsp.attributes; echo
        $XT set . system.fsp.sddl "D:P(A;;FA;;;WD)"
        $XT set . system.fsp.attributes hidden
        $XT set . system.fsp.crtime 1'
    check "-r: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "winattr: mount memfs -r"
fi

# ===========================================================================
# A file system without GetSecurity/SetSecurity (pendfs)
# ===========================================================================
M=$FSP_TMP/nosec
if fsp_start_logged nosec "$M" "$PENDFS" --mode=sync; then
    FSP_EXPECT_DIR=$M fsp_expect "no security: sddl is EOPNOTSUPP; attributes and crtime work (owner: the mounter)" \
        "$(printf 'EOPNOTSUPP\nEOPNOTSUPP\nEPERM\n0x00000022\n3.000000000\nEPERM')" '
        echo x >f
        $XT get f system.fsp.sddl
        $XT set f system.fsp.sddl "D:P(A;;FA;;;WD)"
        $XT remove f system.fsp.attributes
        $XT set f system.fsp.attributes archive,hidden && $XT get f system.fsp.attributes; echo
        $XT set f system.fsp.crtime 3 && $XT get f system.fsp.crtime; echo
        $NOBODY_CMD $XT set f system.fsp.crtime 4'
    check "no security: SIGTERM unmounts and exits 0" stop_with TERM "$FSP_PID" "$M"
else
    fail "winattr: mount pendfs"
fi

fsp_done
