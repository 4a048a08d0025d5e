#!/usr/bin/env python3
"""memfs_fusepy.py MOUNTPOINT - a small in-memory file system on fusepy.

fusepy is ctypes over libfuse.so.2 (FUSE_LIBRARY_PATH names the library),
so this exercises FSP's FUSE 2 high-level API exactly as a Python program
packaged by Debian would. Paths are the keys of one dictionary; each value
is a node with its stat fields, its data (files), its target (symlinks) and
its extended attributes. Runs in the foreground, on libfuse's multithreaded
loop (fusepy's default), until unmounted.
"""
import errno
import os
import stat
import sys
import threading
import time

import fusepy


class Node:
    def __init__(self, mode, uid, gid):
        now = time.time()
        self.attr = dict(st_mode=mode, st_nlink=2 if stat.S_ISDIR(mode) else 1,
                         st_uid=uid, st_gid=gid, st_size=0,
                         st_atime=now, st_mtime=now, st_ctime=now)
        self.data = b""
        self.xattr = {}


class MemFs(fusepy.Operations):
    def __init__(self):
        self.nodes = {"/": Node(stat.S_IFDIR | 0o755, os.getuid(), os.getgid())}
        self.mutex = threading.Lock()  # (not "lock": that is the POSIX lock operation)

    def __call__(self, op, *args):
        # fusepy runs libfuse's multithreaded loop: one operation at a time.
        with self.mutex:
            return super().__call__(op, *args)

    def _get(self, path):
        node = self.nodes.get(path)
        if node is None:
            raise fusepy.FuseOSError(errno.ENOENT)
        return node

    def _new(self, path, mode):
        if path in self.nodes:
            raise fusepy.FuseOSError(errno.EEXIST)
        uid, gid, _ = fusepy.fuse_get_context()
        node = Node(mode, uid, gid)
        self.nodes[path] = node
        return node

    def _children(self, path):
        prefix = path.rstrip("/") + "/"
        return [p[len(prefix):] for p in self.nodes
                if p.startswith(prefix) and "/" not in p[len(prefix):] and p != "/"]

    def _touch(self, node, *fields):
        now = time.time()
        for f in fields:
            node.attr[f] = now

    def getattr(self, path, fh=None):
        attr = dict(self._get(path).attr)
        if stat.S_ISDIR(attr["st_mode"]):  # "." and each subdirectory's ".."
            prefix = path.rstrip("/") + "/"
            attr["st_nlink"] = 2 + sum(stat.S_ISDIR(self.nodes[prefix + c].attr["st_mode"])
                                       for c in self._children(path))
        return attr

    def readdir(self, path, fh):
        self._get(path)
        return [".", ".."] + self._children(path)

    def create(self, path, mode, fi=None):
        self._new(path, stat.S_IFREG | (mode & 0o7777))
        return 0

    def mkdir(self, path, mode):
        self._new(path, stat.S_IFDIR | (mode & 0o7777))

    def symlink(self, target, source):
        node = self._new(target, stat.S_IFLNK | 0o777)
        node.data = source.encode()
        node.attr["st_size"] = len(node.data)

    def readlink(self, path):
        return self._get(path).data.decode()

    def read(self, path, size, offset, fh):
        return self._get(path).data[offset:offset + size]

    def write(self, path, data, offset, fh):
        node = self._get(path)
        old = node.data
        node.data = old[:offset].ljust(offset, b"\0") + data + old[offset + len(data):]
        node.attr["st_size"] = len(node.data)
        self._touch(node, "st_mtime", "st_ctime")
        return len(data)

    def truncate(self, path, length, fh=None):
        node = self._get(path)
        node.data = node.data[:length].ljust(length, b"\0")
        node.attr["st_size"] = length
        self._touch(node, "st_mtime", "st_ctime")

    def chmod(self, path, mode):
        node = self._get(path)
        node.attr["st_mode"] = stat.S_IFMT(node.attr["st_mode"]) | (mode & 0o7777)
        self._touch(node, "st_ctime")

    def chown(self, path, uid, gid):
        node = self._get(path)
        if uid != 0xFFFFFFFF and uid != -1:
            node.attr["st_uid"] = uid
        if gid != 0xFFFFFFFF and gid != -1:
            node.attr["st_gid"] = gid
        self._touch(node, "st_ctime")

    def utimens(self, path, times=None):
        node = self._get(path)
        atime, mtime = times if times else (time.time(),) * 2
        node.attr.update(st_atime=atime, st_mtime=mtime)

    def unlink(self, path):
        self._get(path)
        del self.nodes[path]

    def rmdir(self, path):
        self._get(path)
        if self._children(path):
            raise fusepy.FuseOSError(errno.ENOTEMPTY)
        del self.nodes[path]

    def rename(self, old, new):
        node = self._get(old)
        if new in self.nodes and stat.S_ISDIR(self.nodes[new].attr["st_mode"]):
            if self._children(new):
                raise fusepy.FuseOSError(errno.ENOTEMPTY)
        moved = {p: n for p, n in self.nodes.items() if p == old or p.startswith(old + "/")}
        for p in moved:
            del self.nodes[p]
        for p, n in moved.items():
            self.nodes[new + p[len(old):]] = n
        self._touch(node, "st_ctime")

    def setxattr(self, path, name, value, options, position=0):
        node = self._get(path)
        if options == 1 and name in node.xattr:   # XATTR_CREATE
            raise fusepy.FuseOSError(errno.EEXIST)
        if options == 2 and name not in node.xattr:  # XATTR_REPLACE
            raise fusepy.FuseOSError(errno.ENODATA)
        node.xattr[name] = bytes(value)

    def getxattr(self, path, name, position=0):
        try:
            return self._get(path).xattr[name]
        except KeyError:
            raise fusepy.FuseOSError(errno.ENODATA)

    def listxattr(self, path):
        return list(self._get(path).xattr)

    def removexattr(self, path, name):
        try:
            del self._get(path).xattr[name]
        except KeyError:
            raise fusepy.FuseOSError(errno.ENODATA)

    def statfs(self, path):
        return dict(f_bsize=4096, f_frsize=4096, f_blocks=1 << 20, f_bfree=1 << 19,
                    f_bavail=1 << 19, f_files=1 << 16, f_ffree=1 << 15, f_namemax=255)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: memfs_fusepy.py MOUNTPOINT")
    fusepy.FUSE(MemFs(), sys.argv[1], foreground=True,
                fsname="pymemfs", default_permissions=True, allow_other=True)
