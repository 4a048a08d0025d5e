#!/usr/bin/env python3
"""memfs_pyfuse3.py MOUNTPOINT - a small in-memory file system on pyfuse3.

pyfuse3 is Cython linked to libfuse3.so.3 and drives the low-level API
through its own trio loop (fuse_session_receive_buf/process_buf on the
session's fd), so this exercises FSP's FUSE 3 low-level library the way a
Debian-packaged Python program does. Nodes are kept by inode number;
directories map names to inode numbers. Runs until unmounted.
"""
import errno
import os
import stat
import sys
import time

import pyfuse3
import trio


class Node:
    def __init__(self, ino, mode, uid, gid):
        now = time.time_ns()
        self.ino = ino
        self.mode = mode
        self.nlink = 2 if stat.S_ISDIR(mode) else 1
        self.uid, self.gid = uid, gid
        self.atime = self.mtime = self.ctime = now
        self.data = b""
        self.entries = {} if stat.S_ISDIR(mode) else None
        self.xattr = {}


class MemFs(pyfuse3.Operations):
    def __init__(self):
        super().__init__()
        root = Node(pyfuse3.ROOT_INODE, stat.S_IFDIR | 0o755, os.getuid(), os.getgid())
        self.nodes = {root.ino: root}
        self.next_ino = root.ino + 1

    def _node(self, ino):
        node = self.nodes.get(ino)
        if node is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return node

    def _child(self, parent, name):
        ino = self._node(parent).entries.get(name)
        if ino is None:
            raise pyfuse3.FUSEError(errno.ENOENT)
        return self.nodes[ino]

    def _attr(self, node):
        a = pyfuse3.EntryAttributes()
        a.st_ino = node.ino
        a.st_mode = node.mode
        a.st_nlink = node.nlink
        a.st_uid, a.st_gid = node.uid, node.gid
        a.st_size = len(node.data)
        a.st_blksize = 4096
        a.st_blocks = (len(node.data) + 511) // 512
        a.st_atime_ns, a.st_mtime_ns, a.st_ctime_ns = node.atime, node.mtime, node.ctime
        a.entry_timeout = a.attr_timeout = 1
        return a

    def _new(self, parent, name, mode, ctx):
        dir_ = self._node(parent)
        if name in dir_.entries:
            raise pyfuse3.FUSEError(errno.EEXIST)
        node = Node(self.next_ino, mode, ctx.uid, ctx.gid)
        self.next_ino += 1
        self.nodes[node.ino] = node
        dir_.entries[name] = node.ino
        if stat.S_ISDIR(mode):
            dir_.nlink += 1
        dir_.mtime = dir_.ctime = node.ctime
        return node

    def _drop(self, parent, name):
        dir_ = self._node(parent)
        node = self.nodes[dir_.entries.pop(name)]
        node.nlink -= 2 if stat.S_ISDIR(node.mode) else 1
        if stat.S_ISDIR(node.mode):
            dir_.nlink -= 1
        dir_.mtime = dir_.ctime = node.ctime = time.time_ns()

    async def lookup(self, parent_inode, name, ctx=None):
        if name == b".":
            return self._attr(self._node(parent_inode))
        return self._attr(self._child(parent_inode, name))

    async def getattr(self, inode, ctx=None):
        return self._attr(self._node(inode))

    async def setattr(self, inode, attr, fields, fh, ctx):
        node = self._node(inode)
        if fields.update_size:
            node.data = node.data[:attr.st_size].ljust(attr.st_size, b"\0")
            node.mtime = time.time_ns()
        if fields.update_mode:
            node.mode = stat.S_IFMT(node.mode) | stat.S_IMODE(attr.st_mode)
        if fields.update_uid:
            node.uid = attr.st_uid
        if fields.update_gid:
            node.gid = attr.st_gid
        if fields.update_atime:
            node.atime = attr.st_atime_ns
        if fields.update_mtime:
            node.mtime = attr.st_mtime_ns
        node.ctime = attr.st_ctime_ns if fields.update_ctime else time.time_ns()
        return self._attr(node)

    async def opendir(self, inode, ctx):
        if self._node(inode).entries is None:
            raise pyfuse3.FUSEError(errno.ENOTDIR)
        return inode

    async def readdir(self, fh, start_id, token):
        # The offset of an entry is its position plus one, so a listing
        # resumed at start_id goes on after the last entry taken.
        names = sorted(self._node(fh).entries.items())
        for i, (name, ino) in enumerate(names[start_id:], start_id):
            if not pyfuse3.readdir_reply(token, name, self._attr(self.nodes[ino]), i + 1):
                break

    async def mkdir(self, parent_inode, name, mode, ctx):
        return self._attr(self._new(parent_inode, name, stat.S_IFDIR | stat.S_IMODE(mode), ctx))

    async def create(self, parent_inode, name, mode, flags, ctx):
        node = self._new(parent_inode, name, stat.S_IFREG | stat.S_IMODE(mode), ctx)
        return pyfuse3.FileInfo(fh=node.ino), self._attr(node)

    async def symlink(self, parent_inode, name, target, ctx):
        node = self._new(parent_inode, name, stat.S_IFLNK | 0o777, ctx)
        node.data = target
        return self._attr(node)

    async def readlink(self, inode, ctx):
        return self._node(inode).data

    async def open(self, inode, flags, ctx):
        node = self._node(inode)
        if flags & os.O_TRUNC:
            node.data = b""
        return pyfuse3.FileInfo(fh=inode)

    async def read(self, fh, off, size):
        return self._node(fh).data[off:off + size]

    async def write(self, fh, off, buf):
        node = self._node(fh)
        node.data = node.data[:off].ljust(off, b"\0") + buf + node.data[off + len(buf):]
        node.mtime = node.ctime = time.time_ns()
        return len(buf)

    async def release(self, fh):
        pass

    async def releasedir(self, fh):
        pass

    async def unlink(self, parent_inode, name, ctx):
        if stat.S_ISDIR(self._child(parent_inode, name).mode):
            raise pyfuse3.FUSEError(errno.EISDIR)
        self._drop(parent_inode, name)

    async def rmdir(self, parent_inode, name, ctx):
        if self._child(parent_inode, name).entries:
            raise pyfuse3.FUSEError(errno.ENOTEMPTY)
        self._drop(parent_inode, name)

    async def rename(self, parent_old, name_old, parent_new, name_new, flags, ctx):
        if flags:
            raise pyfuse3.FUSEError(errno.EINVAL)
        node = self._child(parent_old, name_old)
        target = self._node(parent_new).entries.get(name_new)
        if target is not None:
            if self.nodes[target].entries:
                raise pyfuse3.FUSEError(errno.ENOTEMPTY)
            self._drop(parent_new, name_new)
        del self._node(parent_old).entries[name_old]
        self._node(parent_new).entries[name_new] = node.ino
        if stat.S_ISDIR(node.mode) and parent_old != parent_new:
            self._node(parent_old).nlink -= 1
            self._node(parent_new).nlink += 1
        node.ctime = time.time_ns()

    async def forget(self, inode_list):
        # A node no name refers to is freed once the kernel forgets it.
        for ino, _ in inode_list:
            node = self.nodes.get(ino)
            if node is not None and node.nlink <= 0:
                del self.nodes[ino]

    async def setxattr(self, inode, name, value, ctx):
        self._node(inode).xattr[name] = value

    async def getxattr(self, inode, name, ctx):
        try:
            return self._node(inode).xattr[name]
        except KeyError:
            raise pyfuse3.FUSEError(pyfuse3.ENOATTR)

    async def listxattr(self, inode, ctx):
        return list(self._node(inode).xattr)

    async def removexattr(self, inode, name, ctx):
        try:
            del self._node(inode).xattr[name]
        except KeyError:
            raise pyfuse3.FUSEError(pyfuse3.ENOATTR)

    async def statfs(self, ctx):
        s = pyfuse3.StatvfsData()
        s.f_bsize = s.f_frsize = 4096
        s.f_blocks, s.f_bfree, s.f_bavail = 1 << 20, 1 << 19, 1 << 19
        s.f_files, s.f_ffree, s.f_favail = 1 << 16, 1 << 15, 1 << 15
        s.f_namemax = 255
        return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: memfs_pyfuse3.py MOUNTPOINT")
    pyfuse3.init(MemFs(), sys.argv[1], {"fsname=pymemfs3", "default_permissions", "allow_other"})
    try:
        trio.run(pyfuse3.main)
    except BaseException:
        pyfuse3.close(unmount=False)
        raise
    # main() returns once the kernel ended the session (an unmount).
    pyfuse3.close(unmount=True)


if __name__ == "__main__":
    main()
