/*
 * memfs_data.c - sparse file contents in fixed-size chunks.
 *
 * A file is an array of pointers to 64 KiB chunks. A hole (a NULL pointer, or
 * an index past the array) reads as zeros and costs nothing, so extending a
 * file is free and a 1 GiB file never needs one contiguous allocation; a
 * write touches only the chunks it covers. Invariant: every byte of an
 * allocated chunk at or past the file size is zero, so growing the file never
 * has to clear anything.
 */
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

#define CHUNK_MASK (MEMFS_CHUNK_SIZE - 1)

void memfs_data_read(const struct memfs_data *data, void *buffer, uint64_t offset, size_t length)
{
    uint8_t *out = buffer;
    while (length > 0) {
        uint64_t index = offset >> MEMFS_CHUNK_SHIFT;
        size_t within = (size_t)(offset & CHUNK_MASK);
        size_t n = MEMFS_CHUNK_SIZE - within;
        if (n > length)
            n = length;
        if (index < data->nchunks && data->chunks[index])
            memcpy(out, data->chunks[index] + within, n);
        else
            memset(out, 0, n);
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
 * written sequentially reallocates O(log n) times. */
static bool grow_array(struct memfs_data *data, uint64_t index)
{
    if (index < data->nchunks)
        return true;
    uint64_t want = data->nchunks ? data->nchunks : 16;
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
        /* Zeros written into a hole leave it a hole: copying a sparse file
         * (or a file full of zeros) costs no memory. */
        if (present || !all_zero(in, n)) {
            if (!present) {
                if (!grow_array(data, index))
                    return false;
                data->chunks[index] = calloc(1, MEMFS_CHUNK_SIZE);
                if (!data->chunks[index])
                    return false;
            }
            memcpy(data->chunks[index] + within, in, n);
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
    size_t tail = (size_t)(new_size & CHUNK_MASK);
    if (tail && keep - 1 < data->nchunks && data->chunks[keep - 1])
        memset(data->chunks[keep - 1] + tail, 0, MEMFS_CHUNK_SIZE - tail);
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
}
