/*
 * w4_lanes.c -- EXPERIMENT (not the package): the W4 workload with L subjects
 * integrated side by side in SIMD lanes, each lane with its own step size.
 *
 * Question it answers: how much does vectorising *across subjects* gain over
 * the plain C Dormand-Prince limit, which integrates one subject at a time?
 * (Issue 5 suggests it; the engine does not do it yet.)
 *
 * It includes the team's limit (../shared/bench/c/w4_dopri.c, passed with -I)
 * for its model constants, tableau, dense-output matrix and analgesia(), and
 * repeats its algorithm per lane, operation for operation: each lane takes the
 * same steps and gives bitwise the same outputs as the limit (the experiment
 * script checks that).  Layout: structure of arrays, y[state][lane]; every
 * stage is one loop over states with an inner `omp simd` loop over lanes; the
 * right-hand side is evaluated for all lanes at once (cos per lane, libm).
 * Lanes that reach the end of a protocol segment idle until all have (the
 * segments are shared); step control, dense output and analgesia stay scalar
 * per lane.  A batch is L consecutive subjects; the last one is padded.
 *
 * Built by benchmarks/w4_lanes_experiment.py with -O3 -march=native -DLANES=L.
 */
#include "w4_dopri.c"

#ifndef LANES
#define LANES 8
#endif
#define L LANES

typedef struct {
    double kelp[L], rhop[L], rhoh[L], tauA[L], cpb[L];
} LaneSubj;

static inline void rhs_lanes(const double *t, double y[NS][L], double dy[NS][L],
                             const Model *M, const LaneSubj *S, const double *Dp, const double *Dh) {
    double cc[L];
    /* libm's cos, one lane at a time: the lanes stay bitwise equal to the limit */
    for (int l = 0; l < L; l++) cc[l] = 1.0 + M->acirc * cos(TWO_PI * (t[l] + M->tclk - M->tpeak) / 1440.0);
#pragma omp simd
    for (int l = 0; l < L; l++) {
        double c = cc[l];
        double Ap = y[0][l], Ah = y[1][l], Pp = y[2][l], Ph = y[3][l], Sp = y[4][l], Sh = y[5][l];
        double Cp = y[6][l], Ch = y[7][l];
        dy[0][l] = (Dp[l] - Ap) / S->tauA[l];
        dy[1][l] = (Dh[l] - Ah) / S->tauA[l];
        dy[2][l] = (c * (1.0 + M->sigp * Ap) - Pp) / M->tsyn;
        dy[3][l] = (c * (1.0 + M->sigh * Ah) - Ph) / M->tsyn;
        double relp = (1.0 + S->rhop[l] * Ap) * Sp;
        double relh = (1.0 + S->rhoh[l] * Ah) * Sh;
        dy[4][l] = M->krelp * (Pp - relp);
        dy[5][l] = M->krelh * (Ph - relh);
        dy[6][l] = S->kelp[l] * (S->cpb[l] * relp - Cp);
        dy[7][l] = M->kelh * (M->chb * relh - Ch);
        double Lc = Ch * M->pm2nm;
        for (int r = 0; r < 3; r++) {
            double x = Lc / M->K[r];
            double occ = x / (1.0 + x);
            double s = y[8 + r][l] * M->tau[r] * occ;
            double E = s / (1.0 + s);          /* m == 1 (checked by the caller) */
            dy[8 + r][l] = M->krec[r] * (1.0 - y[8 + r][l]) - M->kdes[r] * E * y[8 + r][l];
        }
    }
}

/* one batch of L subjects (the last batch padded by repeating its last subject) */
static void lane_batch(const Model *M, const LaneSubj *S, const double *y0 /* NS x L */,
                       int nseg, const double *seg_t, const double *seg_D, long n_out,
                       const double *t_out, double rtol, double atol, double *out[L],
                       int64_t st[L][3]) {
    double y[NS][L], ynew[NS][L], f[NS][L], K[7][NS][L], tmp[NS][L];
    double t[L], h_abs[L], Dp[L], Dh[L];
    long j[L];
    int64_t nfev[L], nacc[L], nrej[L];
    for (int l = 0; l < L; l++) { j[l] = 0; nfev[l] = nacc[l] = nrej[l] = 0; }
    for (int i = 0; i < NS; i++) for (int l = 0; l < L; l++) y[i][l] = y0[i * L + l];
    const double err_exp = -1.0 / 5.0;
    for (int sgi = 0; sgi < nseg; sgi++) {
        const double tb = seg_t[sgi + 1];
        for (int l = 0; l < L; l++) { t[l] = seg_t[sgi]; Dp[l] = seg_D[2 * sgi]; Dh[l] = seg_D[2 * sgi + 1]; }
        rhs_lanes(t, y, f, M, S, Dp, Dh);
        /* initial step per lane */
        {
            double sc[NS][L], d0[L], d1[L], d2[L], h0[L], tt[L];
            for (int l = 0; l < L; l++) { d0[l] = d1[l] = d2[l] = 0.0; }
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) {
                    sc[i][l] = atol + fabs(y[i][l]) * rtol;
                    double a = y[i][l] / sc[i][l], b = f[i][l] / sc[i][l];
                    d0[l] += a * a; d1[l] += b * b;
                }
            for (int l = 0; l < L; l++) {
                d0[l] = sqrt(d0[l] / NS); d1[l] = sqrt(d1[l] / NS);
                h0[l] = (d0[l] < 1e-5 || d1[l] < 1e-5) ? 1e-6 : 0.01 * d0[l] / d1[l];
                tt[l] = t[l] + h0[l];
            }
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) tmp[i][l] = y[i][l] + h0[l] * f[i][l];
            rhs_lanes(tt, tmp, K[1], M, S, Dp, Dh);
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) { double e = (K[1][i][l] - f[i][l]) / sc[i][l]; d2[l] += e * e; }
            for (int l = 0; l < L; l++) {
                d2[l] = sqrt(d2[l] / NS) / h0[l];
                double h1 = (d1[l] <= 1e-15 && d2[l] <= 1e-15) ? fmax(1e-6, h0[l] * 1e-3)
                                                               : pow(0.01 / fmax(d1[l], d2[l]), 1.0 / 5.0);
                h_abs[l] = fmin(100 * h0[l], h1);
                nfev[l] += 2;
            }
        }
        int rejected[L];
        for (int l = 0; l < L; l++) rejected[l] = 0;
        for (;;) {
            double h[L], tn[L];
            int act[L], nact = 0;
            for (int l = 0; l < L; l++) {
                act[l] = t[l] < tb;
                nact += act[l];
                double min_step = 10 * fabs(nextafter(t[l], INFINITY) - t[l]);
                if (h_abs[l] < min_step) h_abs[l] = min_step;
                double hh = h_abs[l];
                double tnew = t[l] + hh;
                if (tnew - tb > 0) tnew = tb;
                hh = tnew - t[l];
                if (!act[l]) { hh = 0.0; tnew = t[l]; }
                h[l] = hh; tn[l] = tnew;
                if (act[l]) h_abs[l] = fabs(hh);
            }
            if (nact == 0) break;
            double tt[L];
#pragma omp simd
            for (int l = 0; l < L; l++) tt[l] = t[l] + C2 * h[l];
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) { K[0][i][l] = f[i][l]; tmp[i][l] = y[i][l] + h[l] * (A21 * K[0][i][l]); }
            rhs_lanes(tt, tmp, K[1], M, S, Dp, Dh);
#pragma omp simd
            for (int l = 0; l < L; l++) tt[l] = t[l] + C3 * h[l];
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) tmp[i][l] = y[i][l] + h[l] * (A31 * K[0][i][l] + A32 * K[1][i][l]);
            rhs_lanes(tt, tmp, K[2], M, S, Dp, Dh);
#pragma omp simd
            for (int l = 0; l < L; l++) tt[l] = t[l] + C4 * h[l];
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) tmp[i][l] = y[i][l] + h[l] * (A41 * K[0][i][l] + A42 * K[1][i][l] + A43 * K[2][i][l]);
            rhs_lanes(tt, tmp, K[3], M, S, Dp, Dh);
#pragma omp simd
            for (int l = 0; l < L; l++) tt[l] = t[l] + C5 * h[l];
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) tmp[i][l] = y[i][l] + h[l] * (A51 * K[0][i][l] + A52 * K[1][i][l] + A53 * K[2][i][l] + A54 * K[3][i][l]);
            rhs_lanes(tt, tmp, K[4], M, S, Dp, Dh);
#pragma omp simd
            for (int l = 0; l < L; l++) tt[l] = t[l] + h[l];
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) tmp[i][l] = y[i][l] + h[l] * (A61 * K[0][i][l] + A62 * K[1][i][l] + A63 * K[2][i][l] + A64 * K[3][i][l] + A65 * K[4][i][l]);
            rhs_lanes(tt, tmp, K[5], M, S, Dp, Dh);
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) ynew[i][l] = y[i][l] + h[l] * (B1 * K[0][i][l] + B3 * K[2][i][l] + B4 * K[3][i][l] + B5 * K[4][i][l] + B6 * K[5][i][l]);
            rhs_lanes(tt, ynew, K[6], M, S, Dp, Dh);
            double en[L];
            for (int l = 0; l < L; l++) en[l] = 0.0;
            for (int i = 0; i < NS; i++)
#pragma omp simd
                for (int l = 0; l < L; l++) {
                    double e = h[l] * (E1 * K[0][i][l] + E3 * K[2][i][l] + E4 * K[3][i][l] + E5 * K[4][i][l] + E6 * K[5][i][l] + E7 * K[6][i][l]);
                    double s = atol + fmax(fabs(y[i][l]), fabs(ynew[i][l])) * rtol;
                    double q = e / s;
                    en[l] += q * q;
                }
            for (int l = 0; l < L; l++) {
                if (!act[l]) continue;
                nfev[l] += 6;
                double e = sqrt(en[l] / NS);
                if (e < 1) {
                    double factor = (e == 0) ? 10.0 : fmin(10.0, 0.9 * pow(e, err_exp));
                    if (rejected[l]) factor = fmin(1.0, factor);
                    h_abs[l] *= factor;
                    nacc[l]++;
                    rejected[l] = 0;
                    /* dense output */
                    if (j[l] < n_out && t_out[j[l]] <= tn[l]) {
                        static const int IDX[5] = {6, 7, 8, 9, 10};
                        double Q[5][4];
                        for (int q = 0; q < 5; q++) {
                            int i = IDX[q];
                            for (int kk = 0; kk < 4; kk++) {
                                double a = 0.0;
                                for (int s = 0; s < 7; s++) a += K[s][i][l] * P[s][kk];
                                Q[q][kk] = a;
                            }
                        }
                        double *oCp = out[l], *oCh = out[l] + n_out, *oA = out[l] + 2 * n_out;
                        while (j[l] < n_out && t_out[j[l]] <= tn[l]) {
                            double x = (t_out[j[l]] - t[l]) / h[l];
                            double v[5];
                            for (int q = 0; q < 5; q++) {
                                double p = x, acc = 0.0;
                                for (int kk = 0; kk < 4; kk++) { acc += Q[q][kk] * p; p *= x; }
                                v[q] = y[IDX[q]][l] + h[l] * acc;
                            }
                            oCp[j[l]] = v[0];
                            oCh[j[l]] = v[1];
                            oA[j[l]] = analgesia(v[1], v + 2, M);
                            j[l]++;
                        }
                    }
                    t[l] = tn[l];
                    for (int i = 0; i < NS; i++) { y[i][l] = ynew[i][l]; f[i][l] = K[6][i][l]; }
                } else {
                    h_abs[l] *= fmax(0.2, 0.9 * pow(e, err_exp));
                    rejected[l] = 1;
                    nrej[l]++;
                }
            }
        }
    }
    for (int l = 0; l < L; l++) { st[l][0] = nfev[l]; st[l][1] = nacc[l]; st[l][2] = nrej[l]; }
}

long dopri_population_lanes(long N, const double *subj, const double *y0, int nseg,
                            const double *seg_t, const double *seg_D, long n_out,
                            const double *t_out, const double *fixed, double rtol, double atol,
                            double *out, int64_t *stats, int nthreads, double *seconds) {
    (void)nthreads;
    double t0 = now();
    Model base;
    base.tsyn = fixed[F_TSYN]; base.krelp = fixed[F_KRELP]; base.krelh = fixed[F_KRELH];
    base.sigp = fixed[F_SIGP]; base.sigh = fixed[F_SIGH]; base.kelh = fixed[F_KELH];
    base.chb = fixed[F_CHB]; base.acirc = fixed[F_ACIRC]; base.tpeak = fixed[F_TPEAK];
    base.tclk = fixed[F_TCLK]; base.m = fixed[F_M]; base.pm2nm = fixed[F_PM2NM];
    for (int r = 0; r < 3; r++) {
        base.K[r] = fixed[F_K0 + r]; base.tau[r] = fixed[F_TAU0 + r];
        base.kdes[r] = fixed[F_KDES0 + r]; base.krec[r] = fixed[F_KREC0 + r];
        base.w[r] = fixed[F_W0 + r];
    }
    if (base.m != 1.0) return -1;
    double scratch[L][3 * 1441];
    for (long n0 = 0; n0 < N; n0 += L) {
        LaneSubj S;
        double yy[NS * L];
        double *o[L];
        int64_t st[L][3];
        for (int l = 0; l < L; l++) {
            long n = (n0 + l < N) ? n0 + l : N - 1;
            S.kelp[l] = subj[5 * n]; S.rhop[l] = subj[5 * n + 1]; S.rhoh[l] = subj[5 * n + 2];
            S.tauA[l] = subj[5 * n + 3]; S.cpb[l] = subj[5 * n + 4];
            for (int i = 0; i < NS; i++) yy[i * L + l] = y0[NS * n + i];
            o[l] = (n0 + l < N) ? out + 3 * n_out * (n0 + l) : scratch[l];
        }
        lane_batch(&base, &S, yy, nseg, seg_t, seg_D, n_out, t_out, rtol, atol, o, st);
        for (int l = 0; l < L && n0 + l < N; l++)
            for (int q = 0; q < 3; q++) stats[3 * (n0 + l) + q] = st[l][q];
    }
    *seconds = now() - t0;
    return 0;
}
