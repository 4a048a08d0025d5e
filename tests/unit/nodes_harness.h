/*
 * nodes_harness.h - the native adapter's inode table (native/nodes.c) on a
 * volume of the test's own, for test_nodes.c and test_streams.c: names are
 * given in UTF-8 and stored as a file system's converted names are.
 */
#ifndef FSP_TEST_NODES_HARNESS_H
#define FSP_TEST_NODES_HARNESS_H

#include <stdbool.h>
#include <string.h>

#include "native/native.h"
#include "native/utf.h"

static FSP_FILE_SYSTEM fs;
static struct fsp_native nt;

/* A fresh table on a volume with case-insensitive names (ci), hard links
 * (VolumeParams.HardLinks) and "file:stream" names as asked. */
static inline void nodes_setup(bool ci, bool hard_links, bool stream_names)
{
    memset(&nt, 0, sizeof nt);
    fs.VolumeParams.HardLinks = hard_links;
    nt.fs = &fs;
    nt.case_insensitive = ci;
    nt.stream_names = stream_names;
    fsp_nodes_init(&nt);
}

/* LOOKUP's side: find or create (parent, name), with a kernel reference. */
static inline struct fsp_node *link_name(struct fsp_node *parent, const char *name, uint64_t ino)
{
    WCHAR w[64];
    int n = fsp_utf8_to_utf16(name, strlen(name), w, 64, 0);
    return fsp_node_link(&nt, parent, w, (size_t)n, ino, true);
}

/* (parent, name)'s node, +1 ref, or NULL. */
static inline struct fsp_node *find_name(struct fsp_node *parent, const char *name)
{
    WCHAR w[64];
    int n = fsp_utf8_to_utf16(name, strlen(name), w, 64, 0);
    return fsp_node_find(&nt, parent, w, (size_t)n);
}

static inline bool known(struct fsp_node *parent, const char *name)
{
    struct fsp_node *node = find_name(parent, name);
    if (node)
        fsp_node_put(&nt, node);
    return node != NULL;
}

#endif /* FSP_TEST_NODES_HARNESS_H */
