/*
 * test_nodes.c - the native adapter's inode table and symlink encoding.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "check.h"
#include "native/reparse.h"
#include "nodes_harness.h"

static void setup(bool ci)
{
    nodes_setup(ci, false, false);
}

static int path_of(struct fsp_node *n, const char *child, char *out, size_t cap)
{
    WCHAR w[FSP_PATH_MAX], c[64];
    int cl = child ? fsp_utf8_to_utf16(child, strlen(child), c, 64, 0) : 0;
    int len = fsp_node_path(&nt, n, child ? c : NULL, (size_t)cl, w);
    if (len < 0)
        return len;
    return fsp_utf16_to_utf8(w, (size_t)len, out, cap, FSP_UTF_PATH);
}

TEST(paths)
{
    char p[256];
    setup(false);
    CHECK(path_of(nt.root, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/");
    CHECK(path_of(nt.root, "a", p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/a");
    struct fsp_node *a = link_name(nt.root, "a", 10);
    struct fsp_node *b = link_name(a, "b", 11);
    CHECK(path_of(b, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/a/b");
    CHECK(path_of(b, "c", p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/a/b/c");
    CHECK_EQ_INT(b->ino, 11);
    /* a second lookup of the same name is the same node */
    CHECK(link_name(a, "b", 11) == b);
    CHECK_EQ_INT(b->nlookup, 2);
    fsp_node_forget(&nt, b->nodeid, 2);
    fsp_node_forget(&nt, a->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(rename_moves_subtree)
{
    char p[256];
    setup(false);
    struct fsp_node *a = link_name(nt.root, "a", 2);
    struct fsp_node *d = link_name(nt.root, "d", 3);
    struct fsp_node *f = link_name(a, "f", 4);
    WCHAR w[8] = u"x";
    CHECK_EQ_INT(fsp_node_move(&nt, a, d, w, 1), 0);
    CHECK(path_of(f, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/d/x/f");
    struct fsp_node *found = find_name(d, "x");
    CHECK(found == a);
    fsp_node_put(&nt, found);
    CHECK(find_name(nt.root, "a") == NULL);
    fsp_node_forget(&nt, f->nodeid, 1);
    fsp_node_forget(&nt, a->nodeid, 1);
    fsp_node_forget(&nt, d->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(unlink_keeps_node_until_forget)
{
    char p[256];
    setup(false);
    struct fsp_node *f = link_name(nt.root, "f", 5);
    WCHAR w[8] = u"f";
    fsp_node_unlink(&nt, nt.root, w, 1, NULL);
    CHECK(f->unlinked);
    CHECK_EQ_INT(path_of(f, NULL, p, sizeof p), -ENOENT);
    CHECK(find_name(nt.root, "f") == NULL);
    /* a new file of the same name is a new node */
    struct fsp_node *g = link_name(nt.root, "f", 6);
    CHECK(g != f);
    fsp_node_forget(&nt, f->nodeid, 1); /* frees the unlinked node */
    fsp_node_forget(&nt, g->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(replaced_behind_our_back)
{
    setup(false);
    struct fsp_node *f = link_name(nt.root, "f", 5);
    /* same name, different IndexNumber: a different file now */
    struct fsp_node *g = link_name(nt.root, "f", 9);
    CHECK(g != f);
    CHECK(f->unlinked);
    fsp_node_forget(&nt, f->nodeid, 1);
    fsp_node_forget(&nt, g->nodeid, 1);
    fsp_nodes_fini(&nt);
}

TEST(case_insensitive)
{
    setup(true);
    struct fsp_node *f = link_name(nt.root, "Foo.txt", 7);
    CHECK(link_name(nt.root, "FOO.TXT", 7) == f);
    struct fsp_node *found = find_name(nt.root, "foo.txt");
    CHECK(found == f);
    fsp_node_put(&nt, found);
    fsp_node_forget(&nt, f->nodeid, 2);
    fsp_nodes_fini(&nt);

    setup(false);
    f = link_name(nt.root, "Foo.txt", 7);
    CHECK(find_name(nt.root, "foo.txt") == NULL);
    fsp_node_forget(&nt, f->nodeid, 1);
    fsp_nodes_fini(&nt);
}

TEST(many_nodes)
{
    setup(false);
    enum { N = 50000 };
    struct fsp_node **v = malloc(N * sizeof *v);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "file%d", i);
        v[i] = link_name(nt.root, name, (uint64_t)i + 100);
    }
    CHECK_EQ_INT(nt.nnodes, N);
    int ok = 1;
    for (int i = 0; i < N; i += 97) {
        snprintf(name, sizeof name, "file%d", i);
        struct fsp_node *n = find_name(nt.root, name);
        ok &= n == v[i];
        fsp_node_put(&nt, n);
    }
    CHECK(ok);
    for (int i = 0; i < N; i++)
        fsp_node_forget(&nt, v[i]->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    free(v);
    fsp_nodes_fini(&nt);
}

static WCHAR *wname(const char *name, WCHAR *w)
{
    int n = fsp_utf8_to_utf16(name, strlen(name), w, 63, 0);
    w[n] = 0;
    return w;
}

static void unlink_name(struct fsp_node *parent, const char *name)
{
    WCHAR w[64];
    fsp_node_unlink(&nt, parent, wname(name, w), strlen(name), NULL);
}

TEST(hard_links_one_node)
{
    char p[256];
    WCHAR w[64], w2[64];
    nodes_setup(false, true, false);
    struct fsp_node *f = link_name(nt.root, "f", 20);
    fsp_node_set_kind(f, S_IFREG | 0644);
    struct fsp_node *d = link_name(nt.root, "d", 21);
    fsp_node_set_kind(d, S_IFDIR | 0755);
    /* a second name with the same IndexNumber is the same node */
    CHECK(link_name(d, "g", 20) == f);
    CHECK_EQ_INT(f->nlookup, 2);
    struct fsp_node *found = find_name(d, "g");
    CHECK(found == f);
    fsp_node_put(&nt, found);
    CHECK(path_of(f, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/f");

    /* the first name goes: the other one carries the path */
    unlink_name(nt.root, "f");
    CHECK(!f->unlinked);
    CHECK(find_name(nt.root, "f") == NULL);
    CHECK(path_of(f, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/d/g");

    /* LINK adds a name and a lookup reference */
    CHECK_EQ_INT(fsp_node_add_name(&nt, f, nt.root, wname("h", w), 1), 0);
    CHECK_EQ_INT(f->nlookup, 3);
    found = find_name(nt.root, "h");
    CHECK(found == f);
    fsp_node_put(&nt, found);

    /* rename moves that name only */
    CHECK_EQ_INT(fsp_node_rename(&nt, nt.root, wname("h", w), 1, d, wname("k", w2), 1, NULL), 0);
    CHECK(find_name(nt.root, "h") == NULL);
    found = find_name(d, "k");
    CHECK(found == f);
    fsp_node_put(&nt, found);
    CHECK(path_of(f, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/d/g");

    /* unlinked with the last name only */
    unlink_name(d, "g");
    CHECK(!f->unlinked);
    CHECK(path_of(f, NULL, p, sizeof p) > 0);
    CHECK_EQ_STR(p, "/d/k");
    unlink_name(d, "k");
    CHECK(f->unlinked);
    CHECK_EQ_INT(path_of(f, NULL, p, sizeof p), -ENOENT);
    /* ... and a new file with its IndexNumber reused is a new node */
    struct fsp_node *n = link_name(nt.root, "n", 20);
    CHECK(n != f);
    fsp_node_forget(&nt, f->nodeid, 3);
    fsp_node_forget(&nt, n->nodeid, 1);
    fsp_node_forget(&nt, d->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(hard_links_forget_and_replace)
{
    nodes_setup(false, true, false);
    struct fsp_node *d = link_name(nt.root, "d", 2);
    fsp_node_set_kind(d, S_IFDIR | 0755);
    struct fsp_node *f = link_name(d, "a", 5);
    fsp_node_set_kind(f, S_IFREG | 0644);
    CHECK(link_name(d, "b", 5) == f);
    CHECK(link_name(nt.root, "c", 5) == f);
    /* "b" now names another file: only that name leaves f */
    struct fsp_node *g = link_name(d, "b", 9);
    CHECK(g != f);
    CHECK(!f->unlinked);
    /* forgetting f frees its names, and with them the parent's references */
    fsp_node_forget(&nt, f->nodeid, 3);
    CHECK(find_name(nt.root, "c") == NULL);
    CHECK(find_name(d, "a") == NULL);
    fsp_node_forget(&nt, g->nodeid, 1);
    fsp_node_forget(&nt, d->nodeid, 1); /* d is freed: nothing holds it */
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(hard_links_not_for_directories_or_plain_volumes)
{
    nodes_setup(false, true, false);
    struct fsp_node *d = link_name(nt.root, "d", 30);
    fsp_node_set_kind(d, S_IFDIR | 0755);
    /* a directory met under another name was moved: a separate node */
    struct fsp_node *e = link_name(nt.root, "e", 30);
    CHECK(e != d);
    fsp_node_forget(&nt, d->nodeid, 1);
    fsp_node_forget(&nt, e->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);

    /* without VolumeParams.HardLinks, IndexNumber is not an identity */
    setup(false);
    struct fsp_node *x = link_name(nt.root, "x", 40);
    fsp_node_set_kind(x, S_IFREG | 0644);
    struct fsp_node *y = link_name(nt.root, "y", 40);
    CHECK(x != y);
    fsp_node_forget(&nt, x->nodeid, 1);
    fsp_node_forget(&nt, y->nodeid, 1);
    CHECK_EQ_INT(nt.nnodes, 0);
    fsp_nodes_fini(&nt);
}

TEST(hard_links_many)
{
    /* the IndexNumber index survives the table's growth */
    nodes_setup(false, true, false);
    enum { N = 5000 };
    struct fsp_node **v = malloc(N * sizeof *v);
    char name[32];
    int ok = 1;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%d", i);
        v[i] = link_name(nt.root, name, (uint64_t)i + 100);
        fsp_node_set_kind(v[i], S_IFREG | 0644);
    }
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "link%d", i);
        ok &= link_name(nt.root, name, (uint64_t)i + 100) == v[i];
    }
    CHECK(ok);
    CHECK_EQ_INT(nt.nnodes, 2 * N);
    for (int i = 0; i < N; i++)
        fsp_node_forget(&nt, v[i]->nodeid, 2);
    CHECK_EQ_INT(nt.nnodes, 0);
    free(v);
    fsp_nodes_fini(&nt);
}

static void roundtrip(const char *target)
{
    struct fsp_reparse rp;
    char back[FSP_PATH_MAX];
    CHECK_EQ_INT(fsp_symlink_encode(target, strlen(target) + 1, &rp), 0);
    CHECK_EQ_INT(fsp_symlink_decode(rp.data, rp.size, back, sizeof back), (int)strlen(target));
    CHECK_EQ_STR(back, target);
}

TEST(symlink_roundtrip)
{
    roundtrip("target");
    roundtrip("../a/b");
    roundtrip("/etc/alternatives/cc");
    roundtrip("a//b/");
    roundtrip("we:ird*na?me|with\\backslash");
    roundtrip("\xc3\xa9t\xc3\xa9/\xf0\x9f\x98\x80");
    struct fsp_reparse rp;
    CHECK_EQ_INT(fsp_symlink_encode("", 1, &rp), ENOENT);
    /* relative flag set only for relative targets */
    CHECK_EQ_INT(fsp_symlink_encode("/abs", 5, &rp), 0);
    CHECK_EQ_INT(rp.data[16], 0);
    CHECK_EQ_INT(fsp_symlink_encode("rel", 4, &rp), 0);
    CHECK_EQ_INT(rp.data[16], 1);
}

TEST(symlink_decode_rejects_garbage)
{
    struct fsp_reparse rp;
    char back[256];
    CHECK_EQ_INT(fsp_symlink_encode("abc", 4, &rp), 0);
    for (size_t n = 0; n < rp.size; n++)
        CHECK(fsp_symlink_decode(rp.data, n, back, sizeof back) < 0);
    rp.data[0] ^= 1; /* wrong tag */
    CHECK(fsp_symlink_decode(rp.data, rp.size, back, sizeof back) < 0);
    rp.data[0] ^= 1;
    rp.data[10] = 0xff; /* name longer than the data */
    CHECK(fsp_symlink_decode(rp.data, rp.size, back, sizeof back) < 0);
}

int main(void)
{
    RUN(paths);
    RUN(rename_moves_subtree);
    RUN(unlink_keeps_node_until_forget);
    RUN(replaced_behind_our_back);
    RUN(case_insensitive);
    RUN(many_nodes);
    RUN(hard_links_one_node);
    RUN(hard_links_forget_and_replace);
    RUN(hard_links_not_for_directories_or_plain_volumes);
    RUN(hard_links_many);
    RUN(symlink_roundtrip);
    RUN(symlink_decode_rejects_garbage);
    return CHECK_DONE();
}
