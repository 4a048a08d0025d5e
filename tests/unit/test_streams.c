/*
 * test_streams.c - named streams (streams.c): which Linux names are stream
 * names and what the file system then sees, FspFileSystemAddStreamInfo's
 * packing, and GetStreamInfo's buffer as system.fsp.streams text
 * (complete and truncated lists, malformed buffers).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <winfsp/winfsp.h>

#include "check.h"
#include "native/streams.h"
#include "native/utf.h"
#include "nodes_harness.h"

/* A Linux name as the adapter converts it (':' becomes U+F03A), then parsed. */
static int parse(const char *name, WCHAR *out)
{
    int n = fsp_utf8_to_utf16(name, strlen(name), out, 256, FSP_UTF_TRANSLATE);
    if (n < 0)
        return n;
    out[n] = 0;
    return fsp_stream_name_parse(out, (size_t)n);
}

TEST(plain_names_unchanged)
{
    WCHAR w[257];
    CHECK_EQ_INT(parse("file", w), 4);
    CHECK(w[0] == u'f' && w[3] == u'e');
    CHECK(!fsp_stream_name_is(w, 4));
    /* Other forbidden characters stay translated. */
    CHECK_EQ_INT(parse("a*b", w), 3);
    CHECK(w[1] == 0xF02A);
}

TEST(stream_names_get_their_colon)
{
    WCHAR w[257];
    CHECK_EQ_INT(parse("f:s", w), 3);
    CHECK(w[0] == u'f' && w[1] == u':' && w[2] == u's');
    CHECK(fsp_stream_name_is(w, 3));
    CHECK_EQ_INT(parse("file.txt:Zone.Identifier", w), 24);
    CHECK(w[8] == u':');
    /* A translated character in the stream part stays translated. */
    CHECK_EQ_INT(parse("f:a?b", w), 5);
    CHECK(w[1] == u':' && w[3] == 0xF03F);
}

TEST(malformed_colon_names)
{
    WCHAR w[257];
    CHECK_EQ_INT(parse(":s", w), -EINVAL);
    CHECK_EQ_INT(parse("f:", w), -EINVAL);
    CHECK_EQ_INT(parse(":", w), -EINVAL);
    CHECK_EQ_INT(parse("f:s:$DATA", w), -EINVAL);
    CHECK_EQ_INT(parse("f::$DATA", w), -EINVAL);
    CHECK_EQ_INT(parse("a:b:c", w), -EINVAL);
}

/* One FSP_FSCTL_STREAM_INFO with an ASCII name. */
static FSP_FSCTL_STREAM_INFO *make(void *room, const char *name, UINT64 size, UINT64 alloc)
{
    FSP_FSCTL_STREAM_INFO *si = room;
    size_t n = strlen(name);
    memset(si, 0, sizeof *si);
    si->Size = (UINT16)(sizeof *si + n * sizeof(WCHAR));
    si->StreamSize = size;
    si->StreamAllocationSize = alloc;
    for (size_t i = 0; i < n; i++)
        si->StreamNameBuf[i] = (WCHAR)name[i];
    return si;
}

TEST(add_stream_info_packs_and_ends)
{
    UINT64 room[16];
    uint8_t buf[256];
    ULONG bytes = 0;
    memset(buf, 0xAA, sizeof buf);
    CHECK(FspFileSystemAddStreamInfo(make(room, "", 6, 512), buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 24); /* the header, already 8-aligned */
    CHECK(FspFileSystemAddStreamInfo(make(room, "abc", 3, 512), buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 24 + 32); /* 30 bytes, padded to 32 */
    CHECK(buf[24 + 30] == 0 && buf[24 + 31] == 0);
    CHECK(FspFileSystemAddStreamInfo(NULL, buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 58);

    bool complete;
    char text[128];
    long len = fsp_streams_format(buf, bytes, text, sizeof text, &complete);
    CHECK(complete);
    CHECK_EQ_INT(len, (long)strlen("::$DATA\t6\t512\n:abc:$DATA\t3\t512\n"));
    text[len > 0 ? len : 0] = 0;
    CHECK_EQ_STR(text, "::$DATA\t6\t512\n:abc:$DATA\t3\t512\n");
}

TEST(add_stream_info_full_buffer)
{
    UINT64 room[16];
    uint8_t buf[40];
    ULONG bytes = 0;
    CHECK(FspFileSystemAddStreamInfo(make(room, "", 1, 1), buf, sizeof buf, &bytes));
    CHECK(!FspFileSystemAddStreamInfo(make(room, "abc", 1, 1), buf, sizeof buf, &bytes));
    CHECK_EQ_INT(bytes, 24); /* nothing written */
    /* Too small a Size is refused. */
    FSP_FSCTL_STREAM_INFO *bad = make(room, "", 1, 1);
    bad->Size = 10;
    CHECK(!FspFileSystemAddStreamInfo(bad, buf, sizeof buf, &bytes));
    /* A list without its end marker is incomplete: the caller asks again. */
    bool complete = true;
    CHECK_EQ_INT(fsp_streams_format(buf, bytes, NULL, 0, &complete), 12); /* "::$DATA\t1\t1\n" */
    CHECK(!complete);
}

TEST(format_rejects_malformed)
{
    UINT64 room[16];
    uint8_t buf[64];
    ULONG bytes = 0;
    bool complete;
    CHECK(FspFileSystemAddStreamInfo(make(room, "ab", 1, 1), buf, sizeof buf, &bytes));
    /* An entry (28 bytes) running past the bytes transferred. */
    CHECK_EQ_INT(fsp_streams_format(buf, 26, NULL, 0, &complete), -EIO);
    /* A Size smaller than the header. */
    uint16_t small = 8;
    memcpy(buf, &small, sizeof small);
    CHECK_EQ_INT(fsp_streams_format(buf, bytes, NULL, 0, &complete), -EIO);
    /* An odd name length. */
    uint16_t odd = 25;
    memcpy(buf, &odd, sizeof odd);
    CHECK_EQ_INT(fsp_streams_format(buf, bytes, NULL, 0, &complete), -EIO);
    /* One byte left: not even a Size. */
    CHECK_EQ_INT(fsp_streams_format(buf, 1, NULL, 0, &complete), -EIO);
    /* Nothing at all: an empty, incomplete list. */
    CHECK_EQ_INT(fsp_streams_format(buf, 0, NULL, 0, &complete), 0);
    CHECK(!complete);
}

TEST(format_names_are_utf8)
{
    UINT64 room[16];
    uint8_t buf[128];
    ULONG bytes = 0;
    FSP_FSCTL_STREAM_INFO *si = make(room, "xx", 0, 0);
    si->StreamNameBuf[0] = 0x00E9; /* e acute */
    si->StreamNameBuf[1] = 0xF03F; /* a translated '?' */
    CHECK(FspFileSystemAddStreamInfo(si, buf, sizeof buf, &bytes));
    CHECK(FspFileSystemAddStreamInfo(NULL, buf, sizeof buf, &bytes));
    bool complete;
    char text[64];
    long len = fsp_streams_format(buf, bytes, text, sizeof text - 1, &complete);
    CHECK(complete && len > 0);
    text[len > 0 ? len : 0] = 0;
    CHECK_EQ_STR(text, ":\xc3\xa9?:$DATA\t0\t0\n");
    /* A short output buffer: the length still counts everything. */
    CHECK_EQ_INT(fsp_streams_format(buf, bytes, text, 4, &complete), len);
}

/* --- Stream nodes in the inode table -------------------------------------- */

/* Nodes come from nodes_harness.h; a stream's name has its real ':' there,
 * as a converted name keeps it. */

static void free_gone(struct fsp_streams_gone *gone)
{
    for (size_t i = 0; i < gone->count; i++)
        free(gone->names[i]);
    free(gone->names);
}

TEST(stream_node_has_its_own_inode)
{
    nodes_setup(false, true, true);
    struct fsp_node *f = link_name(nt.root, "f", 20);
    fsp_node_set_kind(f, S_IFREG | 0644);
    /* The stream reports its file's IndexNumber: still a node of its own. */
    struct fsp_node *s = link_name(nt.root, "f:s", 20);
    CHECK(s && s != f);
    CHECK(s->stream && !f->stream);
    CHECK(s->ino != 20 && (s->ino & FSP_STREAM_INO_BIT));
    CHECK_EQ_INT(f->ino, 20);
    /* Met again, the same node; another stream another one. */
    CHECK(link_name(nt.root, "f:s", 20) == s);
    struct fsp_node *t = link_name(nt.root, "f:t", 20);
    CHECK(t != s && t->ino != s->ino);
    /* The file's other name still leads to the file, not to a stream. */
    CHECK(link_name(nt.root, "g", 20) == f);
    fsp_nodes_fini(&nt);
}

TEST(detach_takes_the_file_streams_only)
{
    nodes_setup(false, false, true);
    struct fsp_node *d = link_name(nt.root, "d", 0);
    link_name(d, "f", 0);
    link_name(d, "f:s", 0);
    link_name(d, "f:t", 0);
    link_name(d, "fx:s", 0);
    link_name(d, "F:s", 0);
    link_name(nt.root, "f:s", 0);
    struct fsp_streams_gone gone;
    WCHAR f[] = u"f";
    fsp_node_unlink_streams(&nt, d, f, 1, &gone);
    CHECK_EQ_INT(gone.count, 2);
    bool s = false, t = false;
    for (size_t i = 0; i < gone.count; i++) {
        s |= gone.names[i] && !strcmp(gone.names[i], "f:s");
        t |= gone.names[i] && !strcmp(gone.names[i], "f:t");
    }
    CHECK(s && t);
    CHECK(!known(d, "f:s") && !known(d, "f:t"));
    CHECK(known(d, "f") && known(d, "fx:s") && known(d, "F:s") && known(nt.root, "f:s"));
    free_gone(&gone);
    /* Nothing left to take. */
    fsp_node_unlink_streams(&nt, d, f, 1, &gone);
    CHECK_EQ_INT(gone.count, 0);
    free_gone(&gone);
    /* Without stream names, nothing is taken. */
    nt.stream_names = false;
    WCHAR fx[] = u"fx";
    fsp_node_unlink_streams(&nt, d, fx, 2, &gone);
    CHECK_EQ_INT(gone.count, 0);
    CHECK(known(d, "fx:s"));
    fsp_nodes_fini(&nt);
}

TEST(detach_case_insensitive)
{
    nodes_setup(true, false, true);
    link_name(nt.root, "File:One", 0);
    link_name(nt.root, "FILE:two", 0);
    struct fsp_streams_gone gone;
    WCHAR f[] = u"file";
    fsp_node_unlink_streams(&nt, nt.root, f, 4, &gone);
    CHECK_EQ_INT(gone.count, 2);
    CHECK(!known(nt.root, "file:one") && !known(nt.root, "file:TWO"));
    free_gone(&gone);
    fsp_nodes_fini(&nt);
}

int main(void)
{
    RUN(plain_names_unchanged);
    RUN(stream_names_get_their_colon);
    RUN(malformed_colon_names);
    RUN(add_stream_info_packs_and_ends);
    RUN(add_stream_info_full_buffer);
    RUN(format_rejects_malformed);
    RUN(format_names_are_utf8);
    RUN(stream_node_has_its_own_inode);
    RUN(detach_takes_the_file_streams_only);
    RUN(detach_case_insensitive);
    return CHECK_DONE();
}
