/*
 * erk.c -- one subject's interval with an explicit pair (see engine.h):
 * Dormand-Prince 5(4) or Tsitouras 5(4), PI step control, dense output at the
 * requested times, and the stiffness test of method "auto".
 *
 * The error norm is the RMS of err_i / (atol + rtol max(|y_i|, |ynew_i|)), as
 * in scipy's RK45, so tolerances mean the same thing here as there.  The
 * tableaux and the step control are in erk.h (shared with lanes.c).
 */
#include "../portable.h"
#include "erk.h"

/* Hairer's initial step: one extra RHS evaluation, at t + h0 <= t + span. */
double ode_initial_step(subject *s, double t, double span)
{
    const double rtol = s->pb->rtol, atol = s->pb->atol;
    const double *y = s->y, *f0 = s->k[1];
    double d0 = 0.0, d1 = 0.0;
    for (size_t i = 0; i < s->S; i++) {
        const double sc = atol + rtol * fabs(y[i]);
        d0 += (y[i] / sc) * (y[i] / sc);
        d1 += (f0[i] / sc) * (f0[i] / sc);
    }
    d0 = sqrt(d0 / (double)s->S);
    d1 = sqrt(d1 / (double)s->S);
    double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    h0 = fmin(h0, span);
    for (size_t i = 0; i < s->S; i++) {
        s->ytmp[i] = y[i] + h0 * f0[i];
    }
    rhs(s, t + h0, s->ytmp, s->k[2]);
    double d2 = 0.0;
    for (size_t i = 0; i < s->S; i++) {
        const double sc = atol + rtol * fabs(y[i]);
        const double q = (s->k[2][i] - f0[i]) / sc;
        d2 += q * q;
    }
    d2 = sqrt(d2 / (double)s->S) / h0;
    const double dm = fmax(d1, d2);
    const double h1 = (dm <= 1e-15) ? fmax(1e-6, h0 * 1e-3) : pow(0.01 / dm, 0.2);
    return fmin(fmin(100.0 * h0, h1), span);
}

/* DP5 dense output at theta into out (all the states the outputs read) */
void ode_dp5_dense_at(subject *s, double theta, double *out)
{
    dense(s, theta);
    memcpy(out, s->ytmp, s->S * sizeof(double));
}

void ode_ts5_dense_at(subject *s, double theta, double *out)
{
    dense_poly(s, theta);
    memcpy(out, s->ytmp, s->S * sizeof(double));
}

/* The outputs strictly inside (t, tnew) of an accepted step, and at tnew
 * unless tnew ends the interval, from the dense output (s->r). */
static inline ENDO_ALWAYS_INLINE void
emit_inside(subject *s, double t, double h, double tnew, const int tsit)
{
    const endo_problem *pb = s->pb;
    while (s->iout < pb->n_times && pb->t_out[s->iout] < tnew) {
        const double to = pb->t_out[s->iout];
        if (tsit) {
            dense_poly(s, (to - t) / h);
        }
        else {
            dense(s, (to - t) / h);
        }
        emit(s, to, s->ytmp);
    }
}

/*
 * Integrate from ta to tb (> ta) with the inputs of the current segment,
 * writing the outputs requested strictly inside (ta, tb).  Returns a status.
 */
/* One explicit pair, Dormand-Prince (tsit = 0) or Tsitouras (tsit = 1). */
static inline ENDO_ALWAYS_INLINE int
erk_interval(subject *s, double ta, double tb, const int tsit)
{
    const endo_problem *pb = s->pb;
    const size_t S = s->S;
    double *y = s->y, *yn = s->ynew;
    double **k = s->k;
    double t = ta;
    int reject = 0;

    const double hfix = pb->fixed_step;     /* > 0: constant steps, no error control */
    erk_begin(s, ta, tb);
    while (t < tb) {
        double h;
        int last;
        const int plan = erk_plan(s, t, tb, &h, &last);
        if (plan != ENDO_OK) {
            return plan;
        }
        /* stages (local restrict pointers: the compiler may keep them in
         * registers and vectorise the loops) */
        {
            double *restrict yt = s->ytmp;
            const double *restrict y_ = y;
            double *restrict k1 = k[1], *restrict k2 = k[2], *restrict k3 = k[3];
            double *restrict k4 = k[4], *restrict k5 = k[5], *restrict k6 = k[6];
            double *restrict k7 = k[7], *restrict yn_ = yn;
            ERK_COEFFICIENTS(tsit);
            for (size_t i = 0; i < S; i++) yt[i] = y_[i] + h * a21 * k1[i];
            rhs(s, t + c2 * h, yt, k2);
            for (size_t i = 0; i < S; i++) yt[i] = y_[i] + h * (a31 * k1[i] + a32 * k2[i]);
            rhs(s, t + c3 * h, yt, k3);
            for (size_t i = 0; i < S; i++)
                yt[i] = y_[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
            rhs(s, t + c4 * h, yt, k4);
            for (size_t i = 0; i < S; i++)
                yt[i] = y_[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
            rhs(s, t + c5 * h, yt, k5);
            for (size_t i = 0; i < S; i++)
                yt[i] = y_[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i]
                                     + a64 * k4[i] + a65 * k5[i]);
            rhs(s, last ? tb : t + h, yt, k6);
            if (tsit) {
                for (size_t i = 0; i < S; i++)
                    yn_[i] = y_[i] + h * (a71 * k1[i] + TA72 * k2[i] + a73 * k3[i]
                                          + a74 * k4[i] + a75 * k5[i] + a76 * k6[i]);
            }
            else {
                for (size_t i = 0; i < S; i++)
                    yn_[i] = y_[i] + h * (a71 * k1[i] + a73 * k3[i] + a74 * k4[i]
                                          + a75 * k5[i] + a76 * k6[i]);
            }
            rhs(s, last ? tb : t + h, yn_, k7);
            if (pb->method == ENDO_METHOD_AUTO) {
                /* Hairer's test: h |lambda| from the last two stages */
                double num = 0.0, den = 0.0;
                for (size_t i = 0; i < S; i++) {
                    num += (k7[i] - k6[i]) * (k7[i] - k6[i]);
                    den += (yn_[i] - yt[i]) * (yn_[i] - yt[i]);
                }
                s->stiff_hl = (den > 0.0) ? h * sqrt(num / den) : 0.0;
            }
            if (tsit) {
                for (size_t i = 0; i < S; i++)
                    yt[i] = h * (TE1 * k1[i] + TE2 * k2[i] + TE3 * k3[i] + TE4 * k4[i]
                                 + TE5 * k5[i] + TE6 * k6[i] + TE7 * k7[i]);
            }
            else {
                for (size_t i = 0; i < S; i++)
                    yt[i] = h * (E1 * k1[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i]
                                 + E6 * k6[i] + E7 * k7[i]);
            }
        }
        const double tnew = last ? tb : t + h;
        const double err = err_norm(s, y, yn, s->ytmp);
        const double le = log(maxd(err, 1e-300));   /* no log(0) divide flag */
        if (err <= 1.0 || hfix > 0.0) {     /* accepted */
            s->n_acc++;
            /* dense-output coefficients of this step (the states the outputs
             * read), only when an output falls inside the step */
            /* on-demand dosing: does the rule's condition turn true in this step? */
            int hit = 0;
            double gnew = 0.0;
            if (s->d_armed) {
                gnew = demand_g(s, tnew, yn);
                hit = demand_true(s, gnew);
            }
            const int need_dense = pb->summary != NULL || hit
                                   || (s->iout < pb->n_times && pb->t_out[s->iout] < tnew);
            /* a located crossing restarts from the interpolated state: all states */
            const int *oidx = hit ? NULL : s->m->output_states;
            const size_t nd = need_dense ? (oidx ? (size_t)s->m->n_output_states : S) : 0;
            for (size_t j = 0; j < nd; j++) {
                const size_t i = oidx ? (size_t)oidx[j] : j;
                s->r[0][i] = y[i];
                if (tsit) {
                    for (int m = 0; m < 3; m++) {
                        const double *P = TP[m];
                        s->r[2 + m][i] = h * (P[0] * k[1][i] + P[1] * k[2][i]
                                              + P[2] * k[3][i] + P[3] * k[4][i]
                                              + P[4] * k[5][i] + P[5] * k[6][i]
                                              + P[6] * k[7][i]);
                    }
                    s->r[1][i] = h * k[1][i];
                }
                else {
                    const double ydiff = yn[i] - y[i];
                    const double bspl = h * k[1][i] - ydiff;
                    s->r[1][i] = ydiff;
                    s->r[2][i] = bspl;
                    s->r[3][i] = ydiff - h * k[7][i] - bspl;
                    s->r[4][i] = h * (D1 * k[1][i] + D3 * k[3][i] + D4 * k[4][i]
                                      + D5 * k[5][i] + D6 * k[6][i] + D7 * k[7][i]);
                }
            }
            if (hit) {
                const double th = ode_demand_locate(s, t, h, s->d_gprev, gnew,
                                                    tsit ? ode_ts5_dense_at : ode_dp5_dense_at);
                const double tstop = th >= 1.0 ? tnew : t + th * h;
                emit_inside(s, t, h, tstop, tsit);
                if (th >= 1.0) {
                    memcpy(y, yn, S * sizeof(double));
                }
                else {
                    /* the state at the crossing, every component */
                    const double a = th, b = tsit ? th : 1.0 - th;
                    for (size_t i = 0; i < S; i++) {
                        y[i] = s->r[0][i] + a * (s->r[1][i] + b * (s->r[2][i]
                               + a * (s->r[3][i] + b * s->r[4][i])));
                    }
                }
                for (size_t i = 0; i < S; i++) {
                    if (!isfinite(y[i])) {
                        return ENDO_NONFINITE;
                    }
                }
                s->h = hfix > 0.0 ? hfix : pi_accepted(s, le, h, reject);
                s->d_tstar = tstop;
                return ENDO_DEMAND;
            }
            if (s->d_armed) {
                s->d_gprev = gnew;
            }
            emit_inside(s, t, h, tnew, tsit);
            if (pb->summary != NULL) {
                ode_sm_step(s, t, tnew - t, yn, tsit ? ode_ts5_dense_at : ode_dp5_dense_at);
            }
            const double hnew = pi_accepted(s, le, h, reject);
            reject = 0;
            if (pb->method == ENDO_METHOD_AUTO && auto_stiffness(s, h, tnew) != ENDO_OK) {
                return ENDO_STIFF;
            }
            memcpy(y, yn, S * sizeof(double));
            memcpy(k[1], k[7], S * sizeof(double));     /* FSAL */
            t = tnew;
            for (size_t i = 0; i < S; i++) {
                if (!isfinite(y[i])) {
                    return ENDO_NONFINITE;
                }
            }
            if (tnew < tb) {
                while (s->iout < pb->n_times && pb->t_out[s->iout] == tnew) {
                    emit(s, tnew, y);
                }
            }
            /* after a step cut short to land on tb, keep the larger of the
             * two proposals for the next interval (no wasted first steps) */
            s->h = hfix > 0.0 ? hfix : (last ? fmax(hnew, s->h) : hnew);
        }
        else {                          /* rejected */
            s->n_rej++;
            s->h = pi_rejected(err, le, h);
            reject = 1;
        }
    }
    return ENDO_OK;
}

/* The two explicit methods, each built as ENDO_CLONES (model/models.h). */

ENDO_CLONES int ode_dp5_interval(subject *s, double ta, double tb)
{
    return erk_interval(s, ta, tb, 0);
}

ENDO_CLONES int ode_tsit5_interval(subject *s, double ta, double tb)
{
    return erk_interval(s, ta, tb, 1);
}
