/*
 * test_interrupt_slots.c - how INTERRUPT finds a request in the kernel
 * session (src/kernel/worker.c) now that a synchronous request is not
 * listed: through its worker's slot while the handler runs, through the
 * pending ring when the INTERRUPT was read before the request was
 * published, and through se->inflight once deferred. Requests are fed to
 * fsp_dispatch directly on two workers of a session without a mount; the
 * replies go to /dev/null.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kernel/fuse_wire.h"
#include "kernel/internal.h"

static struct fsp_session *se;
static struct fsp_bufset *bs_a, *bs_b;

/* What the GETATTR handler saw, and what it does. */
static bool seen_interrupted;
static uint64_t interrupt_while_running; /* INTERRUPT this unique from the handler */
static bool defer_and_keep;              /* defer, answer later (kept_req) */
static struct fsp_req *kept_req;
static int intr_fn_runs;

static void send_interrupt(uint64_t unique)
{
    struct {
        struct fuse_in_header h;
        struct fuse_interrupt_in in;
    } m;
    memset(&m, 0, sizeof(m));
    m.h.len = sizeof(m);
    m.h.opcode = FUSE_INTERRUPT;
    m.h.unique = unique | 1; /* interrupts carry an odd unique */
    m.in.unique = unique;
    memcpy(bs_b->in, &m, sizeof(m));
    fsp_dispatch(&se->workers[1], bs_b, bs_b->in, sizeof(m));
}

static void on_intr(struct fsp_req *req, void *data)
{
    intr_fn_runs++;
}

static void op_getattr(struct fsp_req *req, const void *arg, uint32_t arglen)
{
    if (interrupt_while_running)
        send_interrupt(interrupt_while_running);
    seen_interrupted = fsp_req_interrupted(req);
    if (defer_and_keep) {
        fsp_req_on_interrupt(req, on_intr, NULL); /* defers */
        kept_req = req;
        return;
    }
    fsp_reply_err(req, 0);
}

static struct fsp_worker outsider; /* a worker the INTERRUPT scan does not know */

static void send_getattr_on(struct fsp_worker *w, uint64_t unique)
{
    struct {
        struct fuse_in_header h;
        struct fuse_getattr_in in;
    } m;
    memset(&m, 0, sizeof(m));
    m.h.len = sizeof(m);
    m.h.opcode = FUSE_GETATTR;
    m.h.unique = unique;
    m.h.nodeid = 1;
    if (!w->bs)
        w->bs = w == &se->workers[0] ? bs_a : fsp_bufset_new(4096, 4096);
    memcpy(w->bs->in, &m, sizeof(m));
    seen_interrupted = false;
    fsp_dispatch(w, w->bs, w->bs->in, sizeof(m));
    if (w->lost_buffer) { /* deferred: the worker takes another buffer */
        w->lost_buffer = false;
        w->bs = fsp_bufset_new(4096, 4096);
    }
}

static void send_getattr(uint64_t unique)
{
    send_getattr_on(&se->workers[0], unique);
}

TEST(not_interrupted)
{
    send_getattr(10);
    CHECK(!seen_interrupted);
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
}

TEST(interrupt_while_running_finds_the_worker)
{
    interrupt_while_running = 20;
    send_getattr(20);
    interrupt_while_running = 0;
    CHECK(seen_interrupted);
    /* Found on the worker: nothing left pending, so the next requests take
     * no lock. */
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
    send_getattr(22);
    CHECK(!seen_interrupted); /* the slot's mark is for unique 20 only */
}

TEST(interrupt_read_first_waits_in_the_ring)
{
    send_interrupt(30); /* no worker runs 30 yet */
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 1);
    send_getattr(30);
    CHECK(seen_interrupted);
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
}

TEST(stale_ring_entries_expire)
{
    send_interrupt(40); /* its request was answered already */
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 1);
    send_getattr(42);
    CHECK(!seen_interrupted);
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 1); /* still young */
    pthread_mutex_lock(&se->lock);
    for (unsigned i = 0; i < FSP_PENDING_INTR; i++)
        if (se->pending_intr[i].unique == 40)
            se->pending_intr[i].when -= FSP_PENDING_INTR_NS + 1;
    pthread_mutex_unlock(&se->lock);
    send_getattr(44);
    CHECK(!seen_interrupted);
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
}

TEST(deferred_request_keeps_an_earlier_interrupt_and_gets_later_ones)
{
    /* Interrupted while running, then deferred with a callback: the
     * callback runs at once, and the request is listed. */
    interrupt_while_running = 50;
    defer_and_keep = true;
    intr_fn_runs = 0;
    send_getattr(50);
    interrupt_while_running = 0;
    CHECK(seen_interrupted);
    CHECK_EQ_INT(intr_fn_runs, 1);
    CHECK(kept_req && kept_req->in_list);
    CHECK(fsp_req_interrupted(kept_req));
    fsp_reply_err(kept_req, 0);

    /* Deferred first, interrupted later: found in the list. */
    intr_fn_runs = 0;
    send_getattr(60);
    defer_and_keep = false;
    CHECK(!seen_interrupted);
    CHECK(kept_req && kept_req->in_list);
    send_interrupt(60);
    CHECK_EQ_INT(intr_fn_runs, 1);
    CHECK(fsp_req_interrupted(kept_req));
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
    fsp_reply_err(kept_req, 0);
    CHECK(se->inflight == NULL);
}

TEST(unknown_worker_gets_the_interrupt_when_it_defers)
{
    /* The ring keeps it; fsp_req_defer hands it to the request. */
    interrupt_while_running = 70;
    defer_and_keep = true;
    intr_fn_runs = 0;
    send_getattr_on(&outsider, 70);
    interrupt_while_running = 0;
    defer_and_keep = false;
    CHECK_EQ_INT(intr_fn_runs, 1);
    CHECK(kept_req && fsp_req_interrupted(kept_req));
    CHECK_EQ_INT(atomic_load(&se->pending_intr_count), 0);
    fsp_reply_err(kept_req, 0);
}

int main(void)
{
    se = calloc(1, sizeof(*se));
    pthread_mutex_init(&se->lock, NULL);
    pthread_cond_init(&se->cond, NULL);
    atomic_store(&se->got_init, true);
    se->ops.op[FUSE_GETATTR] = op_getattr;
    se->buf_in_size = se->buf_scratch_size = 4096;
    se->nworkers = 2;
    se->workers = calloc(2, sizeof(*se->workers));
    int devnull = open("/dev/null", O_WRONLY);
    for (unsigned i = 0; i < 2; i++) {
        se->workers[i].se = se;
        se->workers[i].fd = devnull;
    }
    outsider.se = se;
    outsider.fd = devnull;
    bs_a = fsp_bufset_new(4096, 4096);
    bs_b = fsp_bufset_new(4096, 4096);

    RUN(not_interrupted);
    RUN(interrupt_while_running_finds_the_worker);
    RUN(interrupt_read_first_waits_in_the_ring);
    RUN(stale_ring_entries_expire);
    RUN(deferred_request_keeps_an_earlier_interrupt_and_gets_later_ones);
    RUN(unknown_worker_gets_the_interrupt_when_it_defers);

    /* Deferred buffers went back to the free list when answered. */
    while (se->free_bufs) {
        struct fsp_bufset *b = se->free_bufs;
        se->free_bufs = b->next_free;
        fsp_bufset_free(b);
    }
    if (se->workers[0].bs != bs_a)
        fsp_bufset_free(se->workers[0].bs);
    fsp_bufset_free(outsider.bs);
    fsp_bufset_free(bs_b);
    close(devnull);
    free(se->workers);
    pthread_cond_destroy(&se->cond);
    pthread_mutex_destroy(&se->lock);
    free(se);
    return CHECK_DONE();
}
