#!/usr/bin/env bash
# acl.sh - POSIX ACLs on MEMFS compared with tmpfs (doc/design.md, "POSIX
# ACLs"): setfacl -m/-x/-b/-k for named users and groups, default ACLs and
# what new files and directories inherit (the umask ignored under a default
# ACL), getfacl output and mode bits, and access as other users (a named
# entry allowing or denying read, a group entry, the traverse check on a
# directory). Then, on MEMFS only, a deny ACE set from Windows through
# system.fsp.sddl, which no mode can express, enforced for that user only.
# shellcheck disable=SC2016 # the test scripts are single-quoted for bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
XT=$FSP_BUILD/tests/xattrtool
export XT

fsp_need_tools acl setfacl getfacl setpriv
fsp_need_built acl "$MEMFS" "$XT"
fsp_need_root acl.sh "other users, tmpfs"

chmod 0711 "$FSP_TMP"
# Two users without names: 65534 (nobody) and 70000 in group 70001.
export AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
export AS_U70000="setpriv --reuid=70000 --regid=70001 --clear-groups"
export AS_U70002="setpriv --reuid=70002 --regid=70003 --groups=70001"

REF=$FSP_TMP/ref
M=$FSP_TMP/m
fsp_need_tmpfs "acl: mount the reference tmpfs" "$REF" fsp-acl-ref size=16m,mode=0755
fsp_need_logged "acl: mount MEMFS" memfs "$M" "$MEMFS"
chmod 0755 "$M"

# same NAME SCRIPT: SCRIPT (bash, run as root in a fresh directory) prints
# the same on tmpfs and on MEMFS, and prints something.
N=0
same() {
    local name=$1 script=$2 want got
    N=$((N + 1))
    mkdir -p "$REF/t$N" "$M/t$N"
    chmod 0755 "$REF/t$N" "$M/t$N"
    want=$(cd "$REF/t$N" && timeout 60 bash -c "$script" 2>&1)
    got=$(cd "$M/t$N" && timeout 60 bash -c "$script" 2>&1)
    if [ -n "$want" ] && [ "$got" == "$want" ]; then
        pass "$name"
    else
        fail "$name"
        diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/    /'
    fi
}

# expect NAME EXPECTED SCRIPT: on MEMFS only.
expect() {
    local name=$1 want=$2 script=$3 got
    N=$((N + 1))
    mkdir -p "$M/t$N"
    chmod 0755 "$M/t$N"
    got=$(cd "$M/t$N" && timeout 60 bash -c "$script" 2>&1)
    if [ "$got" == "$want" ]; then
        pass "$name"
    else
        fail "$name"
        diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/    /'
    fi
}

# can USERCMD OP PATH: "OP PATH ok" or "OP PATH denied" for the user.
cat >"$FSP_TMP/can.sh" <<'EOF'
can() {
    local who=$1 op=$2 path=$3 r
    case $op in
    read) $who cat "$path" >/dev/null 2>&1 ;;
    write) $who sh -c 'echo w >>"$1"' sh "$path" 2>/dev/null ;;
    list) $who ls "$path" >/dev/null 2>&1 ;;
    esac
    r=$?
    [ $r -eq 0 ] && echo "$op $path ok" || echo "$op $path denied"
}
EOF
export CAN=$FSP_TMP/can.sh

same "setfacl -m u: and g: entries: getfacl and mode" '
    umask 022; echo data >f; chmod 0640 f
    setfacl -m u:65534:r f && getfacl -n f && stat -c %a f
    setfacl -m g:70001:rw f && getfacl -n f && stat -c %a f
    setfacl -m u:70000:rwx,u:65534:rw f && getfacl -n f && stat -c %a f'

same "setfacl -x and -b" '
    umask 022; echo data >f; chmod 0640 f
    setfacl -m u:65534:r,g:70001:rw,u:70000:x f
    setfacl -x u:65534 f && getfacl -n f && stat -c %a f
    setfacl -x g:70001 f && getfacl -n f
    setfacl -b f && getfacl -n f && stat -c %a f
    getfattr -m - -d f 2>&1 | grep -c posix_acl'

same "cp -a and chmod by the owner keep the ACL" '
    umask 022; echo data >f; chown 70000:70001 f; setfacl -m u:65534:rw,g:0:r f
    cp -a f g && getfacl -n g
    mkdir d; setfacl -d -m u:65534:rwx d; cp -a d e && getfacl -n e
    $AS_U70000 chmod 0604 f && getfacl -n f && stat -c %a f
    $AS_U70000 chmod 0664 f && getfacl -n f'

same "listxattr shows the ACLs a file has (getfattr -d -m -)" '
    umask 022; echo data >f; mkdir d
    getfattr -m - f d; setfattr -n user.x -v 1 f
    setfacl -m u:65534:r f; setfacl -d -m u:65534:r d
    getfattr -m - f d; setfacl -m u:65534:r d; getfattr -m - d
    setfacl -b f; setfacl -k d; getfattr -m - f d'

same "chmod with an ACL sets the mask" '
    umask 022; echo data >f; chmod 0640 f
    setfacl -m u:65534:rw f; chmod 0670 f && getfacl -n f && stat -c %a f
    setfacl -m m::r f && getfacl -n f && stat -c %a f'

same "setfacl by an owner outside the file's group clears setgid" '
    echo x >f; chown 70000:0 f; chmod 2755 f
    $AS_U70000 setfacl -m u:65534:r f; stat -c %a f
    echo y >g; chown 70000:70001 g; chmod 2755 g
    $AS_U70000 setfacl -m u:65534:r g; stat -c %a g
    mkdir d; chown 70000:0 d; chmod 2755 d
    $AS_U70000 setfacl -d -m u:65534:r d; stat -c %a d'

same "access: named user allowed, named user denied, group entry" '
    . $CAN; umask 022; echo data >f; chmod 0640 f; cp f g; chmod 0644 g
    setfacl -m u:65534:r f
    can "$AS_NOBODY" read f; can "$AS_U70000" read f; can "$AS_NOBODY" write f
    setfacl -m u:65534:- g
    can "$AS_NOBODY" read g; can "$AS_U70000" read g
    setfacl -m g:70001:rw f
    can "$AS_U70000" write f; can "$AS_U70002" write f; can "$AS_NOBODY" write f
    setfacl -m m::r f
    can "$AS_U70000" write f; can "$AS_U70000" read f'

same "traverse: a named entry without x on a directory" '
    . $CAN; umask 022; mkdir d; echo x >d/f
    setfacl -m u:65534:r d
    can "$AS_NOBODY" read d/f; can "$AS_U70000" read d/f
    setfacl -m u:65534:rx d
    can "$AS_NOBODY" read d/f
    chmod 0700 d; can "$AS_NOBODY" read d/f; can "$AS_U70000" read d/f; getfacl -n d'

same "default ACL: getfacl, inheritance by files and directories" '
    umask 022; mkdir d
    setfacl -d -m u:65534:rx,g:70001:rwx d && getfacl -n d
    touch d/f; mkdir d/sub; echo x >d/sub/g; mkdir d/sub/deeper
    getfacl -n d/f d/sub d/sub/g d/sub/deeper; stat -c "%n %a" d/f d/sub d/sub/g'

same "default ACL: the umask does not apply, the create mode does" '
    mkdir d; setfacl -d -m u::rwx,g::rwx,o::rwx d
    umask 077; touch d/f; mkdir d/s; touch plain
    stat -c "%n %a" d/f d/s plain
    (umask 000; install -m 0604 /dev/null d/g); stat -c "%n %a" d/g; getfacl -n d/g'

same "default ACL: setfacl -k removes it; access for inherited entries" '
    . $CAN; umask 022; mkdir d
    setfacl -d -m u:65534:r d; echo x >d/f; chmod 0640 d/f
    can "$AS_NOBODY" read d/f; can "$AS_U70000" read d/f
    setfacl -k d && getfacl -n d; touch d/after; getfacl -n d/after'

# ===========================================================================
# MEMFS only: what a Windows DACL says that mode bits cannot
# ===========================================================================
expect "a deny ACE for one user (system.fsp.sddl) is enforced for that user only" \
    "$(printf 'read f denied\nwrite f ok\nread f ok\nread f ok\n# file: f\n# owner: 0\n# group: 0\nuser::rw-\nuser:70000:-w-\ngroup::rw-\nmask::rw-\nother::rw-\n')" '
    . $CAN; echo data >f; chmod 0666 f
    sd=$($XT get f system.fsp.sddl)
    $XT set f system.fsp.sddl "D:P(D;;FR;;;S-1-22-1-70000)${sd#*D:P}"
    can "$AS_U70000" read f; can "$AS_U70000" write f; can "$AS_NOBODY" read f
    can "$AS_U70002" read f; getfacl -n f'

expect "a Windows change to the DACL reaches a kernel that has cached the old ACL" \
    "$(printf 'read f ok\nread f denied\nread f ok\nread f ok\n')" '
    . $CAN; echo data >f; chmod 0644 f; setfacl -m u:70002:r f
    can "$AS_U70000" read f
    sd=$($XT get f system.fsp.sddl)
    $XT set f system.fsp.sddl "D:P(D;;FR;;;S-1-22-1-70000)${sd#*D:P}"
    can "$AS_U70000" read f; can "$AS_NOBODY" read f
    $XT set f system.fsp.sddl "$sd"
    can "$AS_U70000" read f'

expect "an allow ACE for a group set from Windows reaches its members" \
    "$(printf 'write f ok\nwrite f denied\n')" '
    . $CAN; echo data >f; chmod 0644 f
    sd=$($XT get f system.fsp.sddl)
    $XT set f system.fsp.sddl "${sd}(A;;0x12019f;;;S-1-22-2-70001)"
    can "$AS_U70000" write f; can "$AS_NOBODY" write f'

expect "SetSecurity merges: owner only, then DACL only (MEMFS through FspSetSecurityDescriptor)" \
    "$(printf '# file: f\n# owner: 70000\n# group: 0\nuser::r--\nuser:65534:r--\ngroup::r--\nmask::r--\nother::r--\n\n# file: f\n# owner: 70000\n# group: 0\nuser::rwx\ngroup::rwx\nother::rwx\n')" '
    echo x >f; chmod 0644 f; setfacl -m u:65534:r f
    $XT set f system.fsp.sddl "O:S-1-22-1-70000" && getfacl -n f
    $XT set f system.fsp.sddl "D:P(A;;FA;;;WD)" && getfacl -n f'

check "acl: SIGTERM unmounts MEMFS and exits 0" stop_with TERM "$FSP_PID" "$M"
fsp_umount_tmpfs "$REF"
fsp_done
