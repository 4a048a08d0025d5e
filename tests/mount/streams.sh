#!/usr/bin/env bash
# streams.sh - named streams on MEMFS (doc/windows-on-linux.md, "Named
# streams"). With -N (VolumeParams.UmNamedStreamNames) names "file:stream"
# reach streams: create with echo >, read with cat, cp, stat's size, rm,
# the system.fsp.streams listing, readdir not showing them, a file's
# deletion taking its streams, streams of a directory, rename of the main
# file (the old stream names go away at once, the new ones work), hard
# links, two processes on one stream, O_TRUNC of the file keeping them, the
# size limit, names that are refused (mkdir, ln, rename, "a:b:c"). Without
# -N ':' is an ordinary character: the same operations on names with ':'
# give what tmpfs gives.
# shellcheck disable=SC2016 # the test scripts are single-quoted for bash -c
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
RENAMEX=$FSP_BUILD/tests/renamex
export RENAMEX

fsp_need_tools streams getfattr setfattr
fsp_need_built streams "$MEMFS" "$RENAMEX"

# The stream list of a file, without the allocation sizes (for the scripts).
# shellcheck disable=SC2317 # called by the bash -c scripts
streams() { getfattr -n system.fsp.streams --only-values "$1" | cut -f1,2; }
export -f streams

# ===========================================================================
# MEMFS with stream names (-N), 1 MiB files: with caching (the default
# -t -1), and uncached and case-insensitive (-t 0 -i)
# ===========================================================================
runs=0
run_named_streams() {
    local label=$1
    shift
    runs=$((runs + 1))
    M=$FSP_TMP/m$runs
    if ! fsp_start_logged "memfs$runs" "$M" "$MEMFS" -N -s 1M "$@"; then
        fail "streams: mount MEMFS -N $*"
        return
    fi

    fsp_expect "$label: echo > f:s creates a stream, cat reads it, the file is untouched" \
        "$(printf 'abc\nhello')" '
        echo hello >f
        echo abc >f:s
        cat f:s; cat f'

    fsp_expect "$label: stat f:s: a regular file with the stream's size, one link, an inode of its own" \
        "$(printf 'regular file 4 1\nregular file 6 2\ndistinct')" '
        echo hello >f
        ln f f2
        echo abc >f:s
        stat -c "%F %s %h" f:s f
        [ "$(stat -c %i f:s)" != "$(stat -c %i f)" ] && echo distinct'

    fsp_expect "$label: system.fsp.streams lists ::\$DATA and the named streams with sizes" \
        "$(printf '::$DATA\t6\n:one:$DATA\t4\n:two:$DATA\t0\n--\n::$DATA\t0')" '
        echo hello >f
        echo abc >f:one
        : >f:two
        streams f | sort
        echo --
        touch plain; streams plain'

    fsp_expect "$label: system.fsp.streams is read-only (set and remove: EPERM)" \
        "$(printf 'EPERM\nEPERM')" '
        touch f
        setfattr -n system.fsp.streams -v x f 2>&1 | grep -q "not permitted" && echo EPERM
        setfattr -x system.fsp.streams f 2>&1 | grep -q "not permitted" && echo EPERM'

    fsp_expect "$label: cp f:s g copies the stream's data; cp g f:t makes a stream" \
        "$(printf 'same\nsame\n:t:$DATA\t3000')" '
        echo hello >f
        head -c 3000 /dev/urandom >f:s
        cp f:s g && cmp -s f:s g && echo same
        cp g f:t && cmp -s g f:t && echo same
        streams f | grep :t:'

    fsp_expect "$label: ls and find do not show streams" \
        "$(printf 'f\ng\n--\n.\n./f\n./g')" '
        echo x >f; echo y >f:s; echo z >f:s2; touch g
        ls -a | grep -v "^\.\.\?$"
        echo --
        find . | sort'

    fsp_expect "$label: rm f:s deletes the stream only; it can be made again" \
        "$(printf 'gone\n::$DATA\t6\nhello\nagain')" '
        echo hello >f
        echo abc >f:s
        cat f:s >/dev/null
        rm f:s
        cat f:s 2>/dev/null || echo gone
        streams f
        cat f
        echo again >f:s && cat f:s'

    fsp_expect "$label: rm f deletes its streams (no stale entry); a new f has none" \
        "$(printf 'gone\ngone\n::$DATA\t0\nnew')" '
        echo hello >f
        echo abc >f:s
        stat f:s >/dev/null
        rm f
        stat f:s >/dev/null 2>&1 || echo gone
        touch f
        cat f:s 2>/dev/null || echo gone
        streams f
        echo new >f:s && cat f:s'

    fsp_expect "$label: a stream needs its file: echo > nofile:s is ENOENT" \
        "ENOENT" '
        (echo x >nofile:s) 2>&1 | grep -q "No such file" && echo ENOENT'

    fsp_expect "$label: a directory has named streams, but no unnamed one; rmdir takes them" \
        "$(printf 'dirdata\n:s:$DATA\t8\nregular file\nok\ngone')" '
        mkdir d
        echo dirdata >d:s
        cat d:s
        streams d
        stat -c %F d:s
        rmdir d && echo ok
        mkdir d; cat d:s 2>/dev/null || echo gone'

    fsp_expect "$label: rename of the file: streams move with it, the old names go at once" \
        "$(printf 'abc\ngone\n:s:$DATA\t4\nnew')" '
        echo hello >f
        echo abc >f:s
        cat f:s >/dev/null; stat f:s >/dev/null
        mv f h
        cat h:s
        stat f:s >/dev/null 2>&1 || echo gone
        streams h | grep :s:
        touch f; echo new >f:s && cat f:s'

    fsp_expect "$label: rename over a file with streams: the replaced file's streams go" \
        "$(printf 'gone\nmine')" '
        echo one >a; echo theirs >a:s
        echo two >b; echo mine >b:s
        cat a:s b:s >/dev/null
        mv b a
        cat b:s 2>/dev/null || echo gone
        cat a:s'

    fsp_expect "$label: a stream is not renamed (EXDEV), and mv copies it instead" \
        "$(printf 'EXDEV\nEXDEV\nabc\ngone\nabc')" '
        echo hello >f; echo abc >f:s; touch g
        $RENAMEX f:s f:t 2>&1 | grep -q "cross-device" && echo EXDEV
        $RENAMEX g f:u 2>&1 | grep -q "cross-device" && echo EXDEV
        mv f:s f:t && cat f:t
        cat f:s 2>/dev/null || echo gone
        mv f:t plain && cat plain'

    fsp_expect "$label: mkdir, ln, mknod and symlink to a stream name: EPERM" \
        "$(printf 'EPERM\nEPERM\nEPERM\nEPERM\nEPERM')" '
        touch f; echo x >f:s
        mkdir f:d 2>&1 | grep -q "not permitted" && echo EPERM
        ln f f:l 2>&1 | grep -q "not permitted" && echo EPERM
        ln f:s l 2>&1 | grep -q "not permitted" && echo EPERM
        mkfifo f:p 2>&1 | grep -q "not permitted" && echo EPERM
        ln -s f f:y 2>&1 | grep -q "not permitted" && echo EPERM'

    fsp_expect "$label: names with ':' that are no stream name: EINVAL" \
        "$(printf 'EINVAL\nEINVAL\nEINVAL\nEINVAL')" '
        touch f
        for n in "f:s:\$DATA" "f::\$DATA" ":s" "f:"; do
            (echo x >"$n") 2>&1 | grep -q "Invalid argument" && echo EINVAL
        done'

    fsp_expect "$label: hard links share their file's streams" \
        "$(printf 'abc\nmore')" '
        echo hello >f
        ln f h
        echo abc >f:s
        cat h:s
        echo more >h:s
        cat f:s'

    fsp_expect "$label: O_TRUNC of the file (echo > f) keeps its streams" \
        "$(printf 'abc\n::$DATA\t4')" '
        echo hello >f
        echo abc >f:s
        echo new >f
        cat f:s
        streams f | grep "::"'

    fsp_expect "$label: one stream, two processes: a reader sees what a writer appends" \
        "$(printf 'one\ntwo\n8')" '
        echo hello >f
        echo one >f:s
        exec 3<f:s
        read -r a <&3; echo "$a"
        (echo two >>f:s)
        read -r b <&3; echo "$b"
        exec 3<&-
        stat -c %s f:s'

    fsp_expect "$label: an open stream of a deleted file still works through its handle" \
        "$(printf 'abc\n8')" '
        echo hello >f
        echo abc >f:s
        exec 3<>f:s
        rm f
        read -r a <&3; echo "$a"
        echo def >&3
        stat -L -c %s /dev/fd/3
        exec 3>&-'

    fsp_expect "$label: the file and its stream open together keep apart" \
        "$(printf 'main\nside')" '
        exec 3>f 4>f:s
        echo main >&3
        echo side >&4
        exec 3>&- 4>&-
        cat f f:s'

    fsp_expect "$label: size limit: a stream is a file of at most MaxFileSize (1 MiB)" \
        "$(printf '1048576\nENOSPC\n0')" '
        touch f
        head -c 1048576 /dev/zero >f:s && stat -c %s f:s
        (head -c 1048577 /dev/zero >f:t) 2>&1 | grep -q "No space left" && echo ENOSPC
        stat -c %s f'

    check "streams ($label): MEMFS -N stops on SIGTERM" stop_with TERM "$FSP_PID" "$M"
}
run_named_streams cached
run_named_streams "-t 0 -i" -t 0 -i

# ===========================================================================
# Without -N: ':' is an ordinary character, as on tmpfs
# ===========================================================================
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP streams.sh: the tmpfs comparison needs root"
    fsp_done
fi
M=$FSP_TMP/plain
R=$FSP_TMP/ref
fsp_need_logged "streams: mount MEMFS without -N" plain "$M" "$MEMFS"
fsp_need_tmpfs "streams: mount tmpfs" "$R" streams-ref "mode=0777"
COLON_SCRIPT='
    echo hello >a
    echo abc >a:b
    cat a:b; cat a
    ls
    mkdir d:e && echo x >d:e/f:g && cat d:e/f:g
    mv a:b c:d && cat c:d
    ln c:d e:f 2>&1 && stat -c %h e:f
    echo y >"a:b:c" && cat "a:b:c"
    echo z >:x && cat :x
    rm c:d e:f && ls'
ref=$(cd "$R" && timeout 60 bash -c "$COLON_SCRIPT" 2>&1)
got=$(cd "$M" && timeout 60 bash -c "$COLON_SCRIPT" 2>&1)
if [ "$got" == "$ref" ] && [ -n "$ref" ]; then
    pass "without -N, names with ':' behave as on tmpfs"
else
    fail "without -N, names with ':' behave as on tmpfs"
    echo "    tmpfs: $(echo "$ref" | tr '\n' ' ')"
    echo "    memfs: $(echo "$got" | tr '\n' ' ')"
fi
fsp_expect "without -N: system.fsp.streams lists the data stream only" \
    "$(printf '::$DATA\t6')" '
    echo hello >a; echo abc >a:b
    streams a'
check "streams: MEMFS stops on SIGTERM" stop_with TERM "$FSP_PID" "$M"
fsp_umount_tmpfs "$R"

fsp_done
