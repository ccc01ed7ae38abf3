/*
 * pool.c -- the thread pool of the engine and the fitter (see pool.h).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef _WIN32
#include <errno.h>
#include <pthread.h>
#define ENDO_HAVE_PTHREADS 1
#endif

#include "pool.h"

/* How often the calling thread checks for signals. */
#define POLL_NS (50L * 1000 * 1000)

/* A clock for the polling interval: POSIX's monotonic clock; C11's timespec_get
 * where there is no clock_gettime (MSVC's C runtime; docs/building.md). */
static void
poll_clock(struct timespec *ts)
{
#ifdef _WIN32
    timespec_get(ts, TIME_UTC);
#else
    clock_gettime(CLOCK_MONOTONIC, ts);
#endif
}

struct endo_pool {
    size_t n, chunk;
    endo_pool_work_fn work;
    void *ctx;
    atomic_size_t next;             /* first item of the next chunk */
    atomic_int cancel;              /* KeyboardInterrupt or a failed allocation */
    atomic_int nomem;               /* a thread could not allocate its workspace */
    /* the calling thread */
    PyThreadState *tstate;          /* its state while the GIL is released */
    int interrupted;                /* a signal handler raised */
    struct timespec last_poll;
#ifdef ENDO_HAVE_PTHREADS
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    int running;                    /* worker threads still running (under lock) */
#endif
};

/* The calling thread, GIL released: every POLL_NS take the GIL and run
 * Python's signal handlers; an exception cancels the job. */
static void
poll_signals(endo_pool *pl)
{
    struct timespec now;
    poll_clock(&now);
    if ((now.tv_sec - pl->last_poll.tv_sec) * 1000000000L
        + (now.tv_nsec - pl->last_poll.tv_nsec) < POLL_NS) {
        return;
    }
    pl->last_poll = now;
    if (pl->interrupted) {
        return;
    }
    PyEval_RestoreThread(pl->tstate);
    if (PyErr_CheckSignals() < 0) {
        pl->interrupted = 1;
        atomic_store(&pl->cancel, 1);
    }
    pl->tstate = PyEval_SaveThread();
}

size_t
endo_pool_next(endo_pool_feed *f)
{
    endo_pool *pl = f->pool;
    if (f->caller) {
        poll_signals(pl);
    }
    if (f->cur >= f->stop) {
        if (atomic_load(&pl->cancel)) {
            return ENDO_POOL_DONE;
        }
        const size_t start = atomic_fetch_add(&pl->next, pl->chunk);
        if (start >= pl->n) {
            return ENDO_POOL_DONE;
        }
        f->cur = start;
        f->stop = (start + pl->chunk < pl->n) ? start + pl->chunk : pl->n;
    }
    else if (atomic_load(&pl->cancel)) {
        return ENDO_POOL_DONE;
    }
    return f->cur++;
}

static void
run_work(endo_pool *pl, int caller)
{
    endo_pool_feed f = {pl, 0, 0, caller};
    if (pl->work(&f, pl->ctx) < 0) {
        atomic_store(&pl->nomem, 1);
        atomic_store(&pl->cancel, 1);
    }
}

#ifdef ENDO_HAVE_PTHREADS
static void *
worker_main(void *arg)
{
    endo_pool *pl = (endo_pool *)arg;
    run_work(pl, 0);
    pthread_mutex_lock(&pl->lock);
    pl->running--;
    pthread_cond_signal(&pl->done_cond);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Start nthreads - 1 workers, work on the calling thread, then wait for the
 * workers, checking for signals every POLL_NS.  -1: no memory for the ids. */
static int
run_threads(endo_pool *pl, int nthreads)
{
    pthread_t *tids = calloc((size_t)nthreads, sizeof(pthread_t));
    if (tids == NULL) {
        return -1;
    }
    pthread_mutex_init(&pl->lock, NULL);
    pthread_cond_init(&pl->done_cond, NULL);
    int started = 0;
    pthread_mutex_lock(&pl->lock);
    for (int i = 0; i < nthreads - 1; i++) {
        if (pthread_create(&tids[i], NULL, worker_main, pl) == 0) {
            started++;
            pl->running++;
        }
    }
    pthread_mutex_unlock(&pl->lock);
    run_work(pl, 1);                    /* the calling thread works too */
    pthread_mutex_lock(&pl->lock);
    while (pl->running > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += POLL_NS;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec += 1;
            ts.tv_nsec -= 1000000000L;
        }
        const int rc = pthread_cond_timedwait(&pl->done_cond, &pl->lock, &ts);
        if (rc == ETIMEDOUT) {
            pthread_mutex_unlock(&pl->lock);
            poll_signals(pl);
            pthread_mutex_lock(&pl->lock);
        }
    }
    pthread_mutex_unlock(&pl->lock);
    for (int i = 0; i < started; i++) {
        pthread_join(tids[i], NULL);
    }
    pthread_cond_destroy(&pl->done_cond);
    pthread_mutex_destroy(&pl->lock);
    free(tids);
    return 0;
}
#endif

int
endo_pool_run(size_t n_items, size_t chunk, int nthreads, endo_pool_work_fn work,
              void *ctx)
{
    endo_pool pl;
    memset(&pl, 0, sizeof pl);
    pl.n = n_items;
    pl.chunk = chunk > 0 ? chunk : 1;
    pl.work = work;
    pl.ctx = ctx;
    atomic_init(&pl.next, 0);
    atomic_init(&pl.cancel, 0);
    atomic_init(&pl.nomem, 0);
    const size_t nchunks = (n_items + pl.chunk - 1) / pl.chunk;
    if (nthreads < 1) {
        nthreads = 1;
    }
    if ((size_t)nthreads > nchunks) {
        nthreads = nchunks > 0 ? (int)nchunks : 1;
    }
    int nomem_ids = 0;
    poll_clock(&pl.last_poll);
    pl.tstate = PyEval_SaveThread();
#ifdef ENDO_HAVE_PTHREADS
    if (nthreads > 1) {
        nomem_ids = run_threads(&pl, nthreads) < 0;
    }
    else
#endif
    {
        run_work(&pl, 1);
    }
    PyEval_RestoreThread(pl.tstate);
    if (pl.interrupted) {
        return -1;                      /* KeyboardInterrupt (or the like) is set */
    }
    if (nomem_ids || atomic_load(&pl.nomem)) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}
