/*
 * memfs_data.c - sparse file contents in fixed-size chunks.
 *
 * A file is an array of pointers to 64 KiB chunks. A hole (a NULL pointer, or
 * an index past the array) reads as zeros and costs nothing, so extending a
 * file is free and a 1 GiB file never needs one contiguous allocation; a
 * write touches only the chunks it covers.
 *
 * The first chunk alone may be smaller: it is allocated to the power of two
 * that holds its first write (at least MIN_FIRST_CAP) and doubled by realloc
 * as writes reach further, up to the full chunk size. Most files are small,
 * and a 4 KiB file then takes 4 KiB, not 64 KiB; a large file pays a few
 * reallocations of its first 64 KiB once. Bytes of chunk 0 at or past
 * first_cap are not stored and read as zeros.
 *
 * Invariant: every stored byte at or past the file size is zero, so growing
 * the file never has to clear anything.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

#define CHUNK_MASK    (MEMFS_CHUNK_SIZE - 1)
#define MIN_FIRST_CAP ((size_t)64)

/* Bytes stored for chunk index (which must be allocated). */
static size_t chunk_cap(const struct memfs_data *data, uint64_t index)
{
    return index == 0 ? data->first_cap : MEMFS_CHUNK_SIZE;
}

void memfs_data_read(const struct memfs_data *data, void *buffer, uint64_t offset, size_t length)
{
    uint8_t *out = buffer;
    while (length > 0) {
        uint64_t index = offset >> MEMFS_CHUNK_SHIFT;
        size_t within = (size_t)(offset & CHUNK_MASK);
        size_t n = MEMFS_CHUNK_SIZE - within;
        if (n > length)
            n = length;
        size_t stored = 0; /* of the n bytes, those the chunk holds */
        if (index < data->nchunks && data->chunks[index]) {
            size_t cap = chunk_cap(data, index);
            if (within < cap)
                stored = cap - within < n ? cap - within : n;
            memcpy(out, data->chunks[index] + within, stored);
        }
        memset(out + stored, 0, n - stored);
        out += n;
        offset += n;
        length -= n;
    }
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Makes the chunk array long enough to hold index; doubles so that a file
 * written sequentially reallocates O(log n) times. A file within its first
 * chunk needs one pointer. */
static bool grow_array(struct memfs_data *data, uint64_t index)
{
    if (index < data->nchunks)
        return true;
    uint64_t want = data->nchunks ? data->nchunks : 1;
    while (want <= index)
        want *= 2;
    if (want > SIZE_MAX / sizeof(uint8_t *))
        return false;
    uint8_t **p = realloc(data->chunks, (size_t)want * sizeof(uint8_t *));
    if (!p)
        return false;
    memset(p + data->nchunks, 0, (size_t)(want - data->nchunks) * sizeof(uint8_t *));
    data->chunks = p;
    data->nchunks = (size_t)want;
    return true;
}

/* Makes chunk 0 hold at least bytes [0, end): the next power of two, so a
 * file growing by small appends reallocates O(log) times. */
static bool grow_first(struct memfs_data *data, size_t end)
{
    if (data->chunks[0] && end <= data->first_cap)
        return true;
    size_t cap = data->chunks[0] ? data->first_cap : MIN_FIRST_CAP;
    while (cap < end)
        cap *= 2;
    uint8_t *p = realloc(data->chunks[0], cap);
    if (!p)
        return false;
    size_t old = data->chunks[0] ? data->first_cap : 0;
    memset(p + old, 0, cap - old);
    data->chunks[0] = p;
    data->first_cap = cap;
    return true;
}

bool memfs_data_write(struct memfs_data *data, const void *buffer, uint64_t offset, size_t length)
{
    const uint8_t *in = buffer;
    while (length > 0) {
        uint64_t index = offset >> MEMFS_CHUNK_SHIFT;
        size_t within = (size_t)(offset & CHUNK_MASK);
        size_t n = MEMFS_CHUNK_SIZE - within;
        if (n > length)
            n = length;
        bool present = index < data->nchunks && data->chunks[index];
        size_t cap = present ? chunk_cap(data, index) : 0;
        if (within + n <= cap) {
            memcpy(data->chunks[index] + within, in, n);
        } else if (!all_zero(in, n)) {
            if (!grow_array(data, index))
                return false;
            if (index == 0) {
                if (!grow_first(data, within + n))
                    return false;
            } else {
                data->chunks[index] = calloc(1, MEMFS_CHUNK_SIZE);
                if (!data->chunks[index])
                    return false;
            }
            memcpy(data->chunks[index] + within, in, n);
        } else if (within < cap) {
            /* Zeros reaching past what chunk 0 stores: only the stored part
             * needs them. Zeros written into a hole leave it a hole, so
             * copying a sparse file (or a file full of zeros) costs no
             * memory. */
            memcpy(data->chunks[index] + within, in, cap - within);
        }
        in += n;
        offset += n;
        length -= n;
    }
    return true;
}

void memfs_data_truncate(struct memfs_data *data, uint64_t new_size)
{
    uint64_t keep = (new_size + CHUNK_MASK) >> MEMFS_CHUNK_SHIFT; /* chunks still (partly) used */
    for (uint64_t i = keep; i < data->nchunks; i++) {
        free(data->chunks[i]);
        data->chunks[i] = NULL;
    }
    if (keep == 0)
        data->first_cap = 0;
    size_t tail = (size_t)(new_size & CHUNK_MASK);
    if (tail && keep - 1 < data->nchunks && data->chunks[keep - 1]) {
        size_t cap = chunk_cap(data, keep - 1);
        if (tail < cap)
            memset(data->chunks[keep - 1] + tail, 0, cap - tail);
    }
    /* Give back the pointer array once it is mostly unused. */
    if (keep == 0) {
        free(data->chunks);
        data->chunks = NULL;
        data->nchunks = 0;
    } else if (keep < data->nchunks / 4) {
        uint8_t **p = realloc(data->chunks, (size_t)keep * 2 * sizeof(uint8_t *));
        if (p) {
            data->chunks = p;
            data->nchunks = (size_t)keep * 2;
        }
    }
}

void memfs_data_free(struct memfs_data *data)
{
    for (size_t i = 0; i < data->nchunks; i++)
        free(data->chunks[i]);
    free(data->chunks);
    data->chunks = NULL;
    data->nchunks = 0;
    data->first_cap = 0;
}
