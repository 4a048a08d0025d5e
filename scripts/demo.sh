#!/usr/bin/env bash
# scripts/demo.sh - the README's first command: install what FSP needs, build
# it, mount MEMFS (the in-memory reference file system on FSP's native API)
# and use it with ordinary programs, then unmount.
#
#   scripts/demo.sh            run the tour and unmount at the end
#   scripts/demo.sh --keep     leave MEMFS mounted; stop it with Ctrl-C
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0
[ "${1:-}" = "--keep" ] && keep=1

scripts/deps.sh
make -s -j"$(nproc)" all

mnt=$(mktemp -d /tmp/memfs.XXXXXX)
tools=$PWD/build/tests # fileops: a write through a shared mapping
build/memfs -m "$mnt" -n 200000 -s 1G &
pid=$!
cleanup() {
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q " $mnt fuse" /proc/self/mounts && break; sleep 0.05; done

set -x
findmnt "$mnt"
df -h "$mnt"
cd "$mnt"
mkdir docs && cp -a /usr/share/doc/make docs/ && diff -r /usr/share/doc/make docs/make
ls -la docs/make | head
tar -C / -cf - usr/include/linux 2>/dev/null | tar -xf - && ls usr/include/linux | wc -l
git init -q repo && cd repo && echo hello > README && git add . &&
    git -c user.name=demo -c user.email=demo@example.invalid commit -qm first && git log --oneline
cd "$mnt"
dd if=/dev/urandom of=big bs=1M count=64 status=none && sha256sum big && cp big big2 && cmp big big2
"$tools/fileops" mmap-write mapped 1048576 && "$tools/fileops" pattern 1048576 | cmp - mapped && echo "mmap: written through a shared mapping, read back equal"
set +x
cd /
if [ "$keep" -eq 1 ]; then
    echo "MEMFS is mounted on $mnt; press Ctrl-C to unmount."
    wait "$pid"
fi
