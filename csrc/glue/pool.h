/*
 * pool.h -- the one thread pool of the extensions (the engine and the fitter).
 *
 * A job is n items (subjects, curves), handed out in chunks from a shared
 * atomic counter so that uneven items do not idle a thread.  `nthreads`
 * threads work on it, the calling thread being one of them, with the GIL
 * released for the whole job.  The calling thread checks for signals about
 * every 50 ms (between two of its items, and while it waits for the others at
 * the end): an exception from a signal handler (Ctrl-C: KeyboardInterrupt)
 * cancels the job; every thread finishes its current item and takes no more.
 * Items must not depend on each other: any split over threads then gives
 * bitwise the same results.
 */
#ifndef ENDORPHIN_POOL_H
#define ENDORPHIN_POOL_H

#include <stddef.h>

#define ENDO_POOL_DONE ((size_t)-1)

typedef struct endo_pool endo_pool;

/* One thread's source of items (its current chunk). */
typedef struct {
    endo_pool *pool;
    size_t cur, stop;
    int caller;                 /* the calling thread: it checks for signals */
} endo_pool_feed;

/* This thread's next item, or ENDO_POOL_DONE when none is left or the job was
 * cancelled. */
size_t endo_pool_next(endo_pool_feed *feed);

/* The work of one thread: take items with endo_pool_next until ENDO_POOL_DONE.
 * Returns 0, or -1 when it could not allocate its workspace (MemoryError). */
typedef int (*endo_pool_work_fn)(endo_pool_feed *feed, void *ctx);

/* Run the job on min(nthreads, chunks) threads, called with the GIL held.
 * Returns 0, or -1 with a Python exception set (KeyboardInterrupt,
 * MemoryError); the items' results are then incomplete. */
int endo_pool_run(size_t n_items, size_t chunk, int nthreads, endo_pool_work_fn work,
                  void *ctx);

#endif /* ENDORPHIN_POOL_H */
