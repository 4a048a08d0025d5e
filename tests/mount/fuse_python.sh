#!/usr/bin/env bash
# fuse_python.sh - Debian's Python bindings for FUSE, unmodified, on FSP's
# libraries: fusepy (ctypes over libfuse.so.2, named by FUSE_LIBRARY_PATH)
# and pyfuse3 (Cython linked to libfuse3.so.3, found through
# LD_LIBRARY_PATH). Each serves a small in-memory file system of our own
# (tests/tools/py); ordinary tools do the same things on it and on a tmpfs
# and the transcripts must be equal. /proc/<pid>/maps must show FSP's
# library loaded and no other libfuse; an unmount ends each with status 0.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3 # Debian's interpreter: the one its packages are built for
TOOLS=$FSP_TOP/tests/tools/py
fsp_need_root fuse_python "mounts as root and compares with a tmpfs"
fsp_need_tools fuse_python "$PY" setfattr getfattr setpriv fusermount3
for mod in fusepy pyfuse3 trio; do
    if ! "$PY" -c "import $mod" 2>/dev/null; then
        fail "fuse_python: python3 module $mod is installed (scripts/deps.sh)"
        fsp_done
    fi
done
# A sanitizer build of the library needs its runtime loaded first; Python
# itself leaks at exit, so the leak check is off (the library's leaks are
# checked through FSP's own samples).
PRELOAD=$(ldd "$FSP_BUILD/libfuse3.so.3" | awk '/lib(a|ub)san/ {print $3}' | tr '\n' ':')
[ -z "$PRELOAD" ] || export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

# loads_only PID LIB: PID mapped LIB and no other library of LIB's family
# (libfuse.so.* for libfuse.so.2, libfuse3.so.* for libfuse3.so.3).
loads_only() {
    local family maps
    family=$(basename "$2" | sed 's/\.so.*//')
    maps=$(awk '{print $6}' "/proc/$1/maps" | grep "/$family\.so" | sort -u)
    [ -n "$maps" ] && ! grep -qv "^$(readlink -f "$2")\$" <<<"$maps"
}

# exercise DIR: ordinary tools on DIR; prints what they saw (no times, no
# inode numbers, no directory sizes: each file system's own business).
exercise() {
    local d=$1
    (
        cd "$d" || exit 1
        echo "hello, python" >file && echo created
        cat file
        head -c 300000 /dev/urandom >"$FSP_TMP/big.$$"
        cp "$FSP_TMP/big.$$" big && cmp big "$FSP_TMP/big.$$" && echo "big: same bytes"
        rm -f "$FSP_TMP/big.$$"
        printf 'abc' >>file
        stat -c '%n %F %a %s %h %u:%g' file big
        dd if=file bs=1 skip=7 count=6 status=none
        echo
        truncate -s 5 file && cat file && echo
        truncate -s 10000 file && stat -c '%n %s' file && tail -c 3 file | od -An -tx1
        mkdir -m 0750 dir dir/sub
        stat -c '%n %F %a %h' dir dir/sub
        mv file dir/renamed && ls dir && head -c 5 dir/renamed && echo
        mv dir dir2 && ls dir2 && ls -d dir 2>&1 | sed 's/.*: //'
        ln -s dir2/renamed link && readlink link && head -c 5 link && echo
        chmod 0604 dir2/renamed && stat -c '%n %a' dir2/renamed
        : >empty && stat -c '%n %s' empty
        touch -d '2001-02-03 04:05:06' empty && stat -c '%n %Y' empty
        setfattr -n user.colour -v blue empty && getfattr --only-values -n user.colour empty && echo
        setfattr -n user.shape -v round empty && getfattr -d -m '^user\.' --absolute-names empty
        setfattr -x user.colour empty && getfattr -n user.colour empty 2>&1 | sed 's/.*: //'
        rmdir dir2 2>&1 | sed 's/.*: //'
        rm dir2/renamed link && rmdir dir2/sub dir2 && echo removed
        ls
        mkdir -m 0777 pub
        setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo x >pub/mine && stat -c "%n %u:%g %a" pub/mine'
        setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo y >big' 2>&1 | sed 's/.*: //'
        mv empty nothing-here && ls
        rm -f big nothing-here pub/mine && rmdir pub && ls -A | wc -l
        df --output=fstype . >/dev/null && echo statfs
    ) 2>&1
}

R=$FSP_TMP/ref
fsp_need_tmpfs "fuse_python: mount a tmpfs" "$R" fsp-ref mode=0755
exercise "$R" >"$FSP_TMP/ref.out"

# run LABEL LIB ENV... -- SCRIPT: SCRIPT's file system on $FSP_TMP/LABEL
# with ENV, exercised against the tmpfs, then unmounted.
run() {
    local label=$1 lib=$2 M=$FSP_TMP/$1
    shift 2
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    if ! fsp_start_to_log "$label: mounts on FSP's library" "$M" \
        env LD_PRELOAD="$PRELOAD" "${envs[@]}" "$PY" "$@" "$M"; then
        return
    fi
    check "$label: FSP's $(basename "$lib") is loaded, no other" loads_only "$FSP_PID" "$lib"
    exercise "$M" >"$FSP_TMP/$label.out"
    check "$label: the same as on tmpfs" diff -au "$FSP_TMP/ref.out" "$FSP_TMP/$label.out"
    timeout 10 fusermount3 -u "$M"
    check "$label: fusermount3 -u unmounts" fsp_wait_unmounted "$M" 5
    if fsp_wait_exit "$FSP_PID" 15; then
        check "$label: exits 0 after the unmount" [ "$RC" -eq 0 ]
    else
        fail "$label: exits after the unmount"
    fi
    # A binding reports an exception in a handler (or a failed library
    # call) on stderr and goes on; the sanitizers report there too.
    if grep -qiE 'traceback|error' "$M.log"; then
        fail "$label: no errors in its output"
        sed 's/^/    /' "$M.log" | tail -20
    else
        pass "$label: no errors in its output"
    fi
}

run fusepy "$FSP_BUILD/libfuse.so.2" FUSE_LIBRARY_PATH="$FSP_BUILD/libfuse.so.2" \
    -- "$TOOLS/memfs_fusepy.py"
run pyfuse3 "$FSP_BUILD/libfuse3.so.3" LD_LIBRARY_PATH="$FSP_BUILD" \
    -- "$TOOLS/memfs_pyfuse3.py"

fsp_done
