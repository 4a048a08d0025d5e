#!/usr/bin/env bash
# scripts/deps.sh - install the Debian packages FSP's build, demo and tests
# need. Both README commands call it, and so does CI, so one list is the
# truth. As root it installs what is missing; otherwise it says what to run.
set -euo pipefail

PACKAGES=(
    build-essential clang clang-format make pkg-config git # build
    fuse3                                                  # fusermount3, for non-root mounts
    libfuse3-dev                                           # binary-compatibility tests (a Debian-built FUSE program)
    bindfs unionfs-fuse                                    # Debian FUSE 2 programs run on FSP's libfuse.so.2
    libfuse2                                               # Debian's libfuse.so.2: the symbols fuse_abi.sh compares
    squashfuse squashfs-tools fuse-overlayfs               # Debian's FUSE 3 programs run on FSP's libfuse3
    python3-fusepy python3-pyfuse3                         # Python bindings (ctypes, Cython) run on FSP's libraries
    util-linux procps attr valgrind                        # findmnt/setpriv, pgrep, setfattr, leak checks
    acl                                                    # getfacl/setfacl (tests/mount/acl.sh)
    e2fsprogs                                              # chattr/lsattr (tests/mount/ioctl.sh)
)

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "FSP needs these Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
