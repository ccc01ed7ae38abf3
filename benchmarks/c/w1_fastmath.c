/*
 * w1_fastmath.c -- a peer row of W1, not a limit: the workload's expression
 * with c^n as exp(n log c), compiled with -ffast-math (compile
 * step only, see common.build_c) so that gcc vectorises exp and log through
 * glibc's libmvec, as benchmarks/README.md's "C loop, vectorised (libmvec)" row
 * does.  It is what a C programmer gets by giving up exact IEEE semantics;
 * its error is reported next to its time.  Timed inside C like limits.c.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double w1_hill_fastmath(const double *restrict c, double *restrict y, long n,
                        double emax, double ec50, double h)
{
    double t0 = now();
    const double ec50n = exp(h * log(ec50));
    for (long i = 0; i < n; i++) {
        const double cn = exp(h * log(c[i]));
        y[i] = emax * cn / (ec50n + cn);
    }
    return now() - t0;
}
