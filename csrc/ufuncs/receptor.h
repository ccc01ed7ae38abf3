/*
 * receptor.h -- multi-ligand receptor kernels (competitive binding, operational
 * model with competing ligands).  Pure C; arrays are contiguous doubles (the
 * ufunc glue gathers strided or float32 data into scratch buffers first).
 * Error convention as in dose_response.h.
 */
#ifndef ENDORPHIN_RECEPTOR_H
#define ENDORPHIN_RECEPTOR_H

#include <stddef.h>

/* rk[i] = 1/K[i] for the r*l affinities K (row-major [receptor][ligand]);
 * bad_r[q] = 1 when receptor q has an invalid affinity (K <= 0 or NaN), in
 * which case the invalid flag is raised (K NaN: quietly).  Returns the number
 * of receptors marked bad. */
size_t endo_reciprocal_affinities(const double *K, size_t r, size_t l,
                                  double *rk, unsigned char *bad_r);

/* Competitive occupancy at one point: occ[q*l + j] = x_qj / (1 + sum_m x_qm),
 * x_qj = conc[j] * rk[q*l + j], for q < r, j < l.  conc >= 0; exactly one
 * infinite x_qj in a row gives 1 for that ligand and 0 for the others. */
void endo_competitive_occupancy(const double *conc, size_t l, size_t r,
                                const double *rk, const unsigned char *bad_r,
                                double *occ);

/* The same for nrows consecutive points: conc rows of l contiguous doubles,
 * occ rows of r*l contiguous doubles (the layout of a C-contiguous
 * (N, l) -> (N, r, l) call).  Rows with a NaN, a negative or an infinite
 * concentration take the general kernel above. */
void endo_competitive_occupancy_rows(const double *conc, size_t nrows, size_t l,
                                     size_t r, const double *rk,
                                     const unsigned char *bad_r, double *occ);

/* 1 when endo_competitive_occupancy_rows uses the AVX2 kernels (occ_avx2.c)
 * for up to ENDO_OCC_AVX2_MAX_L ligands at up to 4 receptors (bitwise the
 * same results, one vector division per row, or per four rows at one
 * receptor): an x86-64 CPU with AVX2, unless ENDORPHIN_SIMD caps it
 * (simd_cap.h: "generic").  Chosen on the first call. */
int endo_occupancy_simd(void);
#define ENDO_OCC_AVX2_MAX_L 8

/* The AVX2 rows kernels (occ_avx2.c; built on x86-64 with gcc only, called
 * only when endo_occupancy_simd()): 3 ligands x 3 receptors; l ligands at 2
 * to 4 receptors; l ligands at one receptor.  Arguments as in
 * endo_competitive_occupancy_rows, no receptor bad. */
void endo_occupancy_rows33_avx2(const double *conc, size_t nrows, const double *rk,
                                const unsigned char *bad_r, double *occ);
void endo_occupancy_rows_avx2(const double *conc, size_t nrows, size_t l, size_t r,
                              const double *rk, const unsigned char *bad_r, double *occ);
void endo_occupancy_rows_r1_avx2(const double *conc, size_t nrows, size_t l,
                                 const double *rk, const unsigned char *bad_r, double *occ);

/* Operational model with l competing ligands at one receptor (Em = 1):
 * u = sum_j tau_j x_j / (1 + sum_j x_j), x_j = conc_j / K_j, E = u^n/(1+u^n). */
double endo_operational_multi(const double *conc, const double *K,
                              const double *tau, size_t l, double n);

#endif /* ENDORPHIN_RECEPTOR_H */
