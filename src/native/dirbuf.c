/*
 * dirbuf.c - WinFsp's directory buffer: a per-directory listing that the file
 * system fills once and then serves many ReadDirectory calls from.
 *
 * The buffer keeps a copy of every FSP_FSCTL_DIR_INFO (8-byte aligned, in
 * fill order) and an index of their offsets, sorted at Release:
 *   "." first, ".." second, then every other name in ordinal order (UTF-16
 *   code unit values, case-sensitive; a prefix sorts first).
 * ReadDirectoryBuffer serves the entries strictly after Marker, found by
 * binary search in that same order; so the file system's own notion of "the
 * next entry after Marker" must be this ordinal order (which is what a
 * restarted or continued listing compares against), whatever its case
 * sensitivity.
 *
 * Locking: a pthread read/write lock per buffer. Acquire takes the write lock
 * and keeps it (when it returns TRUE) until Release, so Acquire, Fill and
 * Release must run on one thread; readers take the read lock, so any number
 * of threads may read one buffer at once. Delete must not race with any
 * other call (it runs when the directory's last handle closes).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <winfsp/winfsp.h>

#include "native/dirinfo.h"
#include "native/utf.h"

#define FSP_DIRBUF_HDR sizeof(FSP_FSCTL_DIR_INFO)
/* *PDirBuffer may be set by a racing first Acquire: always read it atomically. */
#define FSP_DIRBUF_LOAD(p) __atomic_load_n((struct fsp_dirbuf **)(p), __ATOMIC_ACQUIRE)
#define FSP_DIRBUF_HINTMAX (64u << 20)

struct fsp_dirbuf {
    pthread_rwlock_t lock;
    bool filled;     /* holds a complete, sorted listing */
    bool fill_error; /* a Fill failed since the last Acquire */
    UINT8 *data;     /* DIR_INFO copies, each at an 8-byte aligned offset */
    size_t size, cap;
    size_t *index; /* offsets into data; sorted after Release */
    size_t count, icap;
};

static inline const FSP_FSCTL_DIR_INFO *fsp_dirbuf_entry(const struct fsp_dirbuf *db, size_t i)
{
    return (const FSP_FSCTL_DIR_INFO *)(const void *)(db->data + db->index[i]);
}

/* "." sorts first, ".." second, everything else after them. */
static inline int fsp_dirbuf_rank(const WCHAR *name, size_t len)
{
    if (len == 1 && name[0] == '.')
        return 0;
    if (len == 2 && name[0] == '.' && name[1] == '.')
        return 1;
    return 2;
}

static inline int fsp_dirbuf_cmpname(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen)
{
    int ra = fsp_dirbuf_rank(a, alen), rb = fsp_dirbuf_rank(b, blen);
    if (ra != rb || ra < 2)
        return ra - rb;
    return fsp_wcscmp_len(a, alen, b, blen);
}

static inline int fsp_dirbuf_cmp(const struct fsp_dirbuf *db, size_t offa, size_t offb)
{
    const FSP_FSCTL_DIR_INFO *a = (const void *)(db->data + offa);
    const FSP_FSCTL_DIR_INFO *b = (const void *)(db->data + offb);
    return fsp_dirbuf_cmpname(a->FileNameBuf, (a->Size - FSP_DIRBUF_HDR) / sizeof(WCHAR),
                              b->FileNameBuf, (b->Size - FSP_DIRBUF_HDR) / sizeof(WCHAR));
}

/* --- Sorting: quicksort, median-of-3 pivot, insertion sort for short runs,
 * heapsort when the recursion gets too deep (so never worse than n log n). */

static void fsp_dirbuf_isort(const struct fsp_dirbuf *db, size_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t v = a[i], j = i;
        while (j > 0 && fsp_dirbuf_cmp(db, a[j - 1], v) > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void fsp_dirbuf_sift(const struct fsp_dirbuf *db, size_t *a, size_t root, size_t n)
{
    size_t v = a[root];
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n)
            break;
        if (child + 1 < n && fsp_dirbuf_cmp(db, a[child], a[child + 1]) < 0)
            child++;
        if (fsp_dirbuf_cmp(db, v, a[child]) >= 0)
            break;
        a[root] = a[child];
        root = child;
    }
    a[root] = v;
}

static void fsp_dirbuf_hsort(const struct fsp_dirbuf *db, size_t *a, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        fsp_dirbuf_sift(db, a, i, n);
    for (size_t end = n; end-- > 1;) {
        size_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        fsp_dirbuf_sift(db, a, 0, end);
    }
}

static inline void fsp_dirbuf_swap(size_t *a, size_t i, size_t j)
{
    size_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

static void fsp_dirbuf_qsort(const struct fsp_dirbuf *db, size_t *a, size_t n, unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) {
            fsp_dirbuf_hsort(db, a, n);
            return;
        }
        /* Median of first, middle, last: a[0] <= a[mid] <= a[n-1]. */
        size_t mid = n / 2;
        if (fsp_dirbuf_cmp(db, a[mid], a[0]) < 0)
            fsp_dirbuf_swap(a, mid, 0);
        if (fsp_dirbuf_cmp(db, a[n - 1], a[mid]) < 0) {
            fsp_dirbuf_swap(a, n - 1, mid);
            if (fsp_dirbuf_cmp(db, a[mid], a[0]) < 0)
                fsp_dirbuf_swap(a, mid, 0);
        }
        size_t pivot = a[mid];
        /* Hoare partition of a[1 .. n-2]; a[0] and a[n-1] are sentinels. */
        size_t i = 0, j = n - 1;
        for (;;) {
            do
                i++;
            while (fsp_dirbuf_cmp(db, a[i], pivot) < 0);
            do
                j--;
            while (fsp_dirbuf_cmp(db, a[j], pivot) > 0);
            if (i >= j)
                break;
            fsp_dirbuf_swap(a, i, j);
        }
        /* a[0 .. j] <= pivot <= a[j+1 .. n-1]; recurse on the smaller side. */
        size_t left = j + 1, right = n - left;
        if (left < right) {
            fsp_dirbuf_qsort(db, a, left, depth);
            a += left;
            n = right;
        } else {
            fsp_dirbuf_qsort(db, a + left, right, depth);
            n = left;
        }
    }
    fsp_dirbuf_isort(db, a, n);
}

static void fsp_dirbuf_sort(struct fsp_dirbuf *db)
{
    size_t n = db->count;
    size_t i = 1;
    /* File systems often fill in order already: check first, in O(n). */
    while (i < n && fsp_dirbuf_cmp(db, db->index[i - 1], db->index[i]) <= 0)
        i++;
    if (i >= n)
        return;
    unsigned depth = 0;
    for (size_t m = n; m; m >>= 1)
        depth += 2;
    fsp_dirbuf_qsort(db, db->index, n, depth);
}

/* --- Growth --------------------------------------------------------------- */

static bool fsp_dirbuf_reserve(struct fsp_dirbuf *db, size_t more_bytes, size_t more_entries)
{
    if (db->cap - db->size < more_bytes) {
        size_t need = db->size + more_bytes, cap = db->cap ? db->cap : 4096;
        if (need < db->size)
            return false;
        while (cap < need) {
            if (cap > SIZE_MAX / 2)
                return false;
            cap *= 2;
        }
        UINT8 *p = realloc(db->data, cap);
        if (!p)
            return false;
        db->data = p;
        db->cap = cap;
    }
    if (db->icap - db->count < more_entries) {
        size_t need = db->count + more_entries, cap = db->icap ? db->icap : 64;
        while (cap < need) {
            if (cap > SIZE_MAX / 2 / sizeof(size_t))
                return false;
            cap *= 2;
        }
        size_t *p = realloc(db->index, cap * sizeof(size_t));
        if (!p)
            return false;
        db->index = p;
        db->icap = cap;
    }
    return true;
}

/* --- The API ---------------------------------------------------------------- */

FSP_API BOOLEAN FspFileSystemAcquireDirectoryBufferEx(PVOID *PDirBuffer, BOOLEAN Reset,
                                                      ULONG CapacityHint, PNTSTATUS PResult)
{
    struct fsp_dirbuf *db = FSP_DIRBUF_LOAD(PDirBuffer);

    if (!db) {
        struct fsp_dirbuf *fresh = calloc(1, sizeof *fresh), *expected = NULL;
        if (!fresh || pthread_rwlock_init(&fresh->lock, NULL) != 0) {
            free(fresh);
            *PResult = STATUS_INSUFFICIENT_RESOURCES;
            return FALSE;
        }
        if (__atomic_compare_exchange_n((struct fsp_dirbuf **)PDirBuffer, &expected, fresh, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            db = fresh;
        } else {
            /* Another thread created it first. */
            pthread_rwlock_destroy(&fresh->lock);
            free(fresh);
            db = expected;
        }
    }

    pthread_rwlock_wrlock(&db->lock);
    *PResult = STATUS_SUCCESS;
    if (!Reset && db->filled) {
        pthread_rwlock_unlock(&db->lock);
        return FALSE;
    }
    db->filled = false;
    db->fill_error = false;
    db->size = 0;
    db->count = 0;
    if (CapacityHint) {
        /* A hint, in bytes of entries: failure to honour it is not an error. */
        size_t hint = CapacityHint < FSP_DIRBUF_HINTMAX ? CapacityHint : FSP_DIRBUF_HINTMAX;
        (void)fsp_dirbuf_reserve(db, hint, hint / (FSP_DIRBUF_HDR + 16) + 1);
    }
    return TRUE;
}

FSP_API BOOLEAN FspFileSystemAcquireDirectoryBuffer(PVOID *PDirBuffer, BOOLEAN Reset,
                                                    PNTSTATUS PResult)
{
    return FspFileSystemAcquireDirectoryBufferEx(PDirBuffer, Reset, 0, PResult);
}

FSP_API BOOLEAN FspFileSystemFillDirectoryBuffer(PVOID *PDirBuffer, FSP_FSCTL_DIR_INFO *DirInfo,
                                                 PNTSTATUS PResult)
{
    struct fsp_dirbuf *db = FSP_DIRBUF_LOAD(PDirBuffer);

    if (!db) {
        *PResult = STATUS_INVALID_PARAMETER;
        return FALSE;
    }
    if (!DirInfo || DirInfo->Size < FSP_DIRBUF_HDR) {
        db->fill_error = true;
        *PResult = STATUS_INVALID_PARAMETER;
        return FALSE;
    }
    size_t size = DirInfo->Size;
    size_t aligned = FSP_FSCTL_ALIGN_UP(size, (size_t)FSP_FSCTL_DEFAULT_ALIGNMENT);
    if (!fsp_dirbuf_reserve(db, aligned, 1)) {
        db->fill_error = true;
        *PResult = STATUS_INSUFFICIENT_RESOURCES;
        return FALSE;
    }
    memcpy(db->data + db->size, DirInfo, size);
    memset(db->data + db->size + size, 0, aligned - size);
    db->index[db->count++] = db->size;
    db->size += aligned;
    *PResult = STATUS_SUCCESS;
    return TRUE;
}

FSP_API VOID FspFileSystemReleaseDirectoryBuffer(PVOID *PDirBuffer)
{
    struct fsp_dirbuf *db = FSP_DIRBUF_LOAD(PDirBuffer);

    if (!db)
        return;
    fsp_dirbuf_sort(db);
    /* After a failed Fill the listing is incomplete: the next Acquire
     * (even without Reset) asks the file system to fill it again. */
    db->filled = !db->fill_error;
    pthread_rwlock_unlock(&db->lock);
}

FSP_API VOID FspFileSystemReadDirectoryBuffer(PVOID *PDirBuffer, PWSTR Marker, PVOID Buffer,
                                              ULONG Length, PULONG PBytesTransferred)
{
    struct fsp_dirbuf *db = FSP_DIRBUF_LOAD(PDirBuffer);

    *PBytesTransferred = 0;
    if (!db) {
        fsp_add_dir_info(NULL, Buffer, Length, PBytesTransferred);
        return;
    }

    pthread_rwlock_rdlock(&db->lock);
    size_t lo = 0, n = db->count;
    if (Marker) {
        /* First entry that sorts strictly after Marker. */
        size_t mlen = fsp_wcslen(Marker), hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            const FSP_FSCTL_DIR_INFO *e = fsp_dirbuf_entry(db, mid);
            if (fsp_dirbuf_cmpname(e->FileNameBuf, (e->Size - FSP_DIRBUF_HDR) / sizeof(WCHAR),
                                   Marker, mlen) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    size_t i;
    for (i = lo; i < n; i++) {
        if (!fsp_add_dir_info(fsp_dirbuf_entry(db, i), Buffer, Length, PBytesTransferred))
            break;
    }
    if (i == n)
        fsp_add_dir_info(NULL, Buffer, Length, PBytesTransferred);
    pthread_rwlock_unlock(&db->lock);
}

FSP_API VOID FspFileSystemDeleteDirectoryBuffer(PVOID *PDirBuffer)
{
    struct fsp_dirbuf *db = FSP_DIRBUF_LOAD(PDirBuffer);

    if (!db)
        return;
    __atomic_store_n((struct fsp_dirbuf **)PDirBuffer, NULL, __ATOMIC_RELEASE);
    pthread_rwlock_destroy(&db->lock);
    free(db->data);
    free(db->index);
    free(db);
}
