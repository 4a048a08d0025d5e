#!/usr/bin/env bash
# hardlinks.sh - hard links on the native API (FSP's CreateHardLink
# extension, doc/design.md "Hard links") through MEMFS, compared with tmpfs:
# ln, st_nlink and st_ino of every name, data and metadata shared, unlink
# and rename of one name, links across directories, EPERM for a directory,
# one inode per file even after the kernel forgot it, cp -a and tar of a tree
# with hard links (both directions), and EPERM from a volume without hard
# links (memfs -H). The conformance suite's hard_links check covers the
# system-call details (an open, unlinked file cannot be linked: ENOENT).
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

MEMFS=$FSP_BUILD/memfs
fsp_need_built hardlinks "$MEMFS"
fsp_need_root hardlinks.sh "the tmpfs reference"

REF=$FSP_TMP/ref
fsp_need_tmpfs "hardlinks: mount the tmpfs reference" "$REF" fsp-hardlinks-ref size=64m,mode=0755

# links_of DIR: every regular file as "GROUP NLINK PATH", GROUP numbering
# the inodes in path order, so two trees compare equal exactly when the same
# names share files (st_ino itself differs between file systems).
links_of() {
    (cd "$1" && find . -type f -printf '%i %n %P\n') | sort -k3 |
        awk '{ if (!($1 in g)) g[$1] = ++n; print g[$1], $2, $3 }'
}

# make_tree DIR: files with links inside a directory, across directories,
# and a file linked three times.
make_tree() {
    mkdir -p "$1/t/a/b" "$1/t/c" &&
        echo one >"$1/t/one" && ln "$1/t/one" "$1/t/one-again" &&
        echo two >"$1/t/a/two" && ln "$1/t/a/two" "$1/t/c/two" && ln "$1/t/a/two" "$1/t/a/b/two" &&
        echo single >"$1/t/c/single"
}

# scenario DIR: the shell-level story, printing what it sees; run on tmpfs
# and on MEMFS, the transcripts must be equal.
scenario() {
    local d=$1
    cd "$d" || return 1
    echo hello >f
    ln f g
    stat -c 'ln: %n nlink=%h' f g
    [ "$(stat -c %i f)" = "$(stat -c %i g)" ] && echo "f and g share st_ino"
    echo more >>g
    echo "f reads: $(tr '\n' ' ' <f)"
    chmod 0600 f
    stat -c 'chmod through f: %n mode=%a' g
    mkdir d
    ln g d/h
    stat -c 'across directories: %n nlink=%h' d/h
    ln d dlink 2>&1 | sed 's/.*: //'
    ln f g 2>&1 | sed 's/.*: //'
    rm f
    stat -c 'after rm f: %n nlink=%h' g d/h
    echo "d/h reads: $(tr '\n' ' ' <d/h)"
    echo other >o
    mv o g
    stat -c 'after mv o g: %n nlink=%h' g d/h
    echo "g reads: $(cat g); d/h reads: $(tr '\n' ' ' <d/h)"
    ln d/h k
    mv k d/k
    stat -c 'a moved link: %n nlink=%h' d/h d/k
    rm d/h d/k
    rm -r d g
    echo "left: $(ls -A)"
    cd / || return 1
}

M=$FSP_TMP/mnt
fsp_need_logged "hardlinks: memfs mounts" memfs "$M" "$MEMFS" -t -1

ref_out=$(scenario "$REF" 2>&1)
got_out=$(scenario "$M" 2>&1)
if [ "$ref_out" = "$got_out" ]; then
    pass "ln, nlink, shared data, unlink and rename of one name: as on tmpfs"
else
    fail "ln, nlink, shared data, unlink and rename of one name: as on tmpfs"
    diff -u --label tmpfs --label memfs <(echo "$ref_out") <(echo "$got_out") | sed 's/^/    /'
fi

# One inode per file even when the kernel has forgotten both names and
# meets the second first: with the page cache kept (-t -1), two node ids
# would let "g" serve stale pages after a write through "f".
echo old >"$M/f1"
ln "$M/f1" "$M/g1"
sync
echo 2 >/proc/sys/vm/drop_caches
cat "$M/g1" >/dev/null
echo new >"$M/f1"
fsp_same "after the kernel forgot them, both names are one inode" \
    "$(stat -c %i "$M/f1") new" "$(stat -c %i "$M/g1") $(cat "$M/g1")"
rm "$M/f1" "$M/g1"

# cp -a and tar keep hard links: within MEMFS, and across MEMFS <-> tmpfs.
make_tree "$REF" && make_tree "$M" || fail "hardlinks: make the trees"
want=$(links_of "$REF/t")
fsp_same "a tree with hard links: as on tmpfs" "$want" "$(links_of "$M/t")"
cp -a "$M/t" "$M/cp"
fsp_same "cp -a within memfs keeps the links" "$want" "$(links_of "$M/cp")"
mkdir "$M/tar"
tar -C "$M/t" -cf - . | tar -C "$M/tar" -xf -
fsp_same "tar within memfs keeps the links" "$want" "$(links_of "$M/tar")"
cp -a "$M/t" "$REF/from-memfs"
fsp_same "cp -a memfs -> tmpfs keeps the links" "$want" "$(links_of "$REF/from-memfs")"
cp -a "$REF/t" "$M/from-tmpfs"
fsp_same "cp -a tmpfs -> memfs keeps the links" "$want" "$(links_of "$M/from-tmpfs")"
rm -rf "$M/t" "$M/cp" "$M/tar" "$M/from-tmpfs"
fsp_same "rm -rf of the trees leaves the root empty" "" "$(ls -A "$M")"
check "memfs exits 0 on SIGTERM and unmounts" stop_with TERM "$FSP_PID" "$M"

# Without the extension (VolumeParams.HardLinks 0), link(2) is EPERM.
if fsp_start_logged memfs-H "$M" "$MEMFS" -H; then
    echo x >"$M/f"
    fsp_same "memfs -H: ln answers EPERM" "Operation not permitted" \
        "$(ln "$M/f" "$M/g" 2>&1 | sed 's/.*: //')"
    fsp_same "memfs -H: nothing was made" "f" "$(ls "$M")"
    check "memfs -H exits 0 on SIGTERM and unmounts" stop_with TERM "$FSP_PID" "$M"
else
    fail "hardlinks: memfs -H mounts"
fi
fsp_done
