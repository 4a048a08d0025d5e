/*
 * test_memfs_data.c - MEMFS's file contents (samples/memfs/memfs_data.c)
 * against a flat buffer: random writes, zero writes and truncations must
 * read back exactly as the buffer does, around the small first chunk that
 * grows by doubling and around the 64 KiB chunk boundaries; and a small
 * file must allocate about what it holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
/* The sample's file is compiled into the test: it is not part of libfsp. */
#include "../../samples/memfs/memfs_data.c"

#define MODEL_SIZE (3 * MEMFS_CHUNK_SIZE + 1000)

static uint8_t model[MODEL_SIZE];
static uint8_t got[MODEL_SIZE];

static bool same_as_model(const struct memfs_data *data, uint64_t size)
{
    memset(got, 0xAA, sizeof(got));
    memfs_data_read(data, got, 0, (size_t)size);
    return memcmp(got, model, (size_t)size) == 0;
}

TEST(small_file_allocates_what_it_holds)
{
    struct memfs_data d = {0};
    uint8_t page[4096];
    for (size_t i = 0; i < sizeof(page); i++)
        page[i] = (uint8_t)(i * 7 + 1);
    CHECK(memfs_data_write(&d, page, 0, 100));
    CHECK_EQ_INT(d.first_cap, 128);
    CHECK(memfs_data_write(&d, page, 0, sizeof(page)));
    CHECK_EQ_INT(d.first_cap, 4096);
    CHECK_EQ_INT(d.nchunks, 1);
    memset(got, 0, sizeof(page));
    memfs_data_read(&d, got, 0, sizeof(page));
    CHECK(memcmp(got, page, sizeof(page)) == 0);
    /* Past what chunk 0 stores: zeros. */
    memset(got, 1, 100);
    memfs_data_read(&d, got, 5000, 100);
    CHECK(got[0] == 0 && got[99] == 0);
    /* Appends double the first chunk up to the full size, never beyond. */
    CHECK(memfs_data_write(&d, page, 60000, sizeof(page)));
    CHECK_EQ_INT(d.first_cap, MEMFS_CHUNK_SIZE);
    memfs_data_free(&d);
    CHECK(d.chunks == NULL && d.first_cap == 0);
}

TEST(zeros_into_holes_cost_nothing)
{
    struct memfs_data d = {0};
    static uint8_t zeros[2 * MEMFS_CHUNK_SIZE];
    CHECK(memfs_data_write(&d, zeros, 0, sizeof(zeros)));
    CHECK(d.chunks == NULL);
    /* Zeros reaching past the stored part of chunk 0 overwrite what it
     * stores and leave the rest unstored. */
    uint8_t ones[64];
    memset(ones, 1, sizeof(ones));
    CHECK(memfs_data_write(&d, ones, 0, sizeof(ones)));
    CHECK_EQ_INT(d.first_cap, 64);
    CHECK(memfs_data_write(&d, zeros, 32, 4096));
    CHECK_EQ_INT(d.first_cap, 64);
    memfs_data_read(&d, got, 0, 4096 + 32);
    CHECK(got[31] == 1 && got[32] == 0 && got[63] == 0 && got[4000] == 0);
    memfs_data_free(&d);
}

/* Random operations mirrored on the flat model (xorshift: reproducible). */
TEST(random_operations_match_flat_buffer)
{
    uint64_t x = 0x9E3779B97F4A7C15u;
#define RAND() (x ^= x << 13, x ^= x >> 7, x ^= x << 17, x)
    static uint8_t buf[MODEL_SIZE];
    for (int round = 0; round < 20; round++) {
        struct memfs_data d = {0};
        uint64_t size = 0;
        memset(model, 0, sizeof(model));
        for (int op = 0; op < 300; op++) {
            uint64_t r = RAND();
            if (r % 8 == 0) { /* truncate (memfs_ops: only when shrinking) */
                uint64_t to = RAND() % (MODEL_SIZE + 1);
                if (to < size) {
                    memfs_data_truncate(&d, to);
                    memset(model + to, 0, (size_t)(size - to));
                }
                size = to;
            } else {
                uint64_t off = RAND() % MODEL_SIZE;
                /* Mostly small writes near the start, some long ones. */
                if (r % 3 == 0)
                    off %= 9000;
                size_t len = (size_t)(RAND() % (r % 5 == 0 ? MODEL_SIZE : 5000)) + 1;
                if (len > MODEL_SIZE - off)
                    len = (size_t)(MODEL_SIZE - off);
                bool zero = RAND() % 4 == 0;
                for (size_t i = 0; i < len; i++)
                    buf[i] = zero ? 0 : (uint8_t)RAND() | 1;
                CHECK(memfs_data_write(&d, buf, off, len));
                memcpy(model + off, buf, len);
                if (off + len > size)
                    size = off + len;
            }
            if (!same_as_model(&d, size)) {
                CHECK(!"contents differ from the flat buffer");
                memfs_data_free(&d);
                return;
            }
        }
        /* The invariant that lets a file grow without clearing: nothing
         * stored at or past the size is non-zero. */
        CHECK(same_as_model(&d, MODEL_SIZE));
        memfs_data_free(&d);
    }
#undef RAND
}

int main(void)
{
    RUN(small_file_allocates_what_it_holds);
    RUN(zeros_into_holes_cost_nothing);
    RUN(random_operations_match_flat_buffer);
    return CHECK_DONE();
}
