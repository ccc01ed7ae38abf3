/*
 * limits.c -- the practical limits of the endorphin benchmarks, as plain C.
 *
 * Each function runs one whole workload over NumPy's buffers (passed through
 * ctypes, no copies) and returns its own wall time in seconds, measured with
 * clock_gettime(CLOCK_MONOTONIC) around the loop only ("kernel only": no
 * Python, ctypes or allocation cost is included).  Output buffers are
 * allocated and touched by the caller before timing, so no page fault is
 * counted either.
 *
 * Built by common.build_c with gcc -O3 -march=native (and -falign-loops=64
 * for W1), compiled and linked in separate steps, never with -ffast-math:
 * these loops are the reference of what plain, correctly rounded C achieves.
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

/* ------------------------------------------------------------------ W1 */

/* W1 memory limit: y[i] = c[i], one thread.  Read 8 bytes and write 8 bytes per
 * element, the least traffic any implementation of y = f(c) has.  gcc recognises
 * the idiom and calls memcpy, which is what we want: glibc's memcpy is the best
 * copy this machine has (for 80 MB it uses non-temporal stores, so it even skips
 * reading y before writing it; a ufunc with ordinary stores cannot). */
double w1_copy(const double *restrict c, double *restrict y, long n)
{
    double t0 = now();
    for (long i = 0; i < n; i++)
        y[i] = c[i];
    return now() - t0;
}

/* W1 Hill with the plain scalar libm pow, as anyone would first write it in C.
 * Without -ffast-math gcc 12 does not vectorise pow (benchmarks/README.md), so this is
 * the scalar-pow reference, correctly rounded to within glibc's pow (< 1 ulp). */
double w1_hill_pow(const double *restrict c, double *restrict y, long n,
                   double emax, double ec50, double h)
{
    double t0 = now();
    const double ec50n = pow(ec50, h);
    for (long i = 0; i < n; i++) {
        double cn = pow(c[i], h);
        y[i] = emax * cn / (ec50n + cn);
    }
    return now() - t0;
}

/* ------------------------------------------------------------------ W2 */

/* W2 competitive occupancy, the practical C limit:
 *   x_rj = C[i,j] / K[r,j],  occ[i,r,j] = x_rj / (1 + sum_l x_rl)
 * with the 9 reciprocal affinities 1/K precomputed (multiplications instead of
 * 9 divisions per row) and one division per receptor (3 per row instead of 9).
 * Rounding differs from NumPy's broadcast expression by a few ulp.
 * C: (n, 3) row-major [i][ligand]; K: (3, 3) [receptor][ligand];
 * occ: (n, 3, 3) row-major [i][receptor][ligand]. */
double w2_occ_recip(const double *restrict C, const double *restrict K,
                    double *restrict occ, long n)
{
    double t0 = now();
    double ik[9];
    for (int q = 0; q < 9; q++)
        ik[q] = 1.0 / K[q];
    for (long i = 0; i < n; i++) {
        const double *c = C + 3 * i;
        double *o = occ + 9 * i;
        for (int r = 0; r < 3; r++) {
            double x0 = c[0] * ik[3 * r];
            double x1 = c[1] * ik[3 * r + 1];
            double x2 = c[2] * ik[3 * r + 2];
            double inv = 1.0 / (1.0 + x0 + x1 + x2);
            o[3 * r] = x0 * inv;
            o[3 * r + 1] = x1 * inv;
            o[3 * r + 2] = x2 * inv;
        }
    }
    return now() - t0;
}

/* W2 memory floor: the same traffic as any W2 implementation (read 3 doubles,
 * write 9 doubles per row) and no arithmetic: each row's 3 concentrations are
 * written 3 times.  Measured here, w2_occ_recip runs within a few per cent of
 * it (both are bound by memory, not arithmetic), so a package within 1.5x of
 * this floor is within 1.5x of the best plain C as well. */
double w2_memfloor(const double *restrict C, double *restrict occ, long n)
{
    double t0 = now();
    for (long i = 0; i < n; i++) {
        const double *c = C + 3 * i;
        double *o = occ + 9 * i;
        for (int r = 0; r < 3; r++) {
            o[3 * r] = c[0];
            o[3 * r + 1] = c[1];
            o[3 * r + 2] = c[2];
        }
    }
    return now() - t0;
}
