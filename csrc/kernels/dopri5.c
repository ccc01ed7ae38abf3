/*
 * dopri5.c -- per-subject Dormand-Prince 5(4) with dense output, PI step
 * control and breakpoint events (see dopri5.h).
 *
 * The Butcher tableau and error coefficients are those of Dormand & Prince
 * (1980), J Comput Appl Math 6:19-26; the dense output (continuous extension
 * of order 4) and the PI controller (beta = 0.04, safety 0.9, step ratio in
 * [0.2, 10]) and the initial-step heuristic follow Hairer, Norsett & Wanner,
 * Solving ODEs I, 2nd ed., sections II.4-II.6 (their DOPRI5 code).  The
 * error norm is the RMS of err_i / (atol + rtol max(|y_i|, |ynew_i|)), as
 * in scipy's RK45, so tolerances mean the same thing here as there.
 *
 * The stiff method is Rodas4 (Hairer & Wanner, Solving ODEs II, 2nd ed.,
 * section VI.4; coefficients of their RODAS code): a 6-stage, stiffly
 * accurate, L-stable Rosenbrock method of order 4(3) with a continuous
 * extension of order 3, using the model's analytic Jacobian (forward
 * differences when it has none) and a forward-difference time derivative.
 * method "auto" starts every subject with Dormand-Prince and, when Hairer's
 * stiffness test (h |lambda| > 3.25 on 15 of the recent accepted steps) fires
 * and the steps left at the current step size are hopeless (AUTO_HOPELESS), or
 * after AUTO_STIFF_STEPS stability-limited steps, or when the step budget runs
 * out, restarts that
 * subject from t0 with Rodas4; shorter stiffness is ridden out explicitly.
 */
#include "dopri5.h"

#include <math.h>
#include <string.h>

/* Tableau */
static const double C2 = 1.0 / 5.0, C3 = 3.0 / 10.0, C4 = 4.0 / 5.0, C5 = 8.0 / 9.0;
static const double A21 = 1.0 / 5.0;
static const double A31 = 3.0 / 40.0, A32 = 9.0 / 40.0;
static const double A41 = 44.0 / 45.0, A42 = -56.0 / 15.0, A43 = 32.0 / 9.0;
static const double A51 = 19372.0 / 6561.0, A52 = -25360.0 / 2187.0,
                    A53 = 64448.0 / 6561.0, A54 = -212.0 / 729.0;
static const double A61 = 9017.0 / 3168.0, A62 = -355.0 / 33.0, A63 = 46732.0 / 5247.0,
                    A64 = 49.0 / 176.0, A65 = -5103.0 / 18656.0;
static const double A71 = 35.0 / 384.0, A73 = 500.0 / 1113.0, A74 = 125.0 / 192.0,
                    A75 = -2187.0 / 6784.0, A76 = 11.0 / 84.0;
/* error estimate: y5 - y4 */
static const double E1 = 71.0 / 57600.0, E3 = -71.0 / 16695.0, E4 = 71.0 / 1920.0,
                    E5 = -17253.0 / 339200.0, E6 = 22.0 / 525.0, E7 = -1.0 / 40.0;
/* dense output */
static const double D1 = -12715105075.0 / 11282082432.0, D3 = 87487479700.0 / 32700410799.0,
                    D4 = -10690763975.0 / 1880347072.0, D5 = 701980252875.0 / 199316789632.0,
                    D6 = -1453857185.0 / 822651844.0, D7 = 69997945.0 / 29380423.0;

/* Tsitouras 5(4) (Tsitouras 2011, Comput Math Appl 62:770-775; the
 * simplifying-assumption-free pair), with its free order-4 interpolant written
 * as y(t + th h) = y + h sum_m th^m sum_i TP_m[i] k_i, m = 1..4 */
static const double TC2 = 0.161, TC3 = 0.327, TC4 = 0.9, TC5 = 0.9800255409045097;
static const double TA21 = 0.161;
static const double TA31 = -0.008480655492356989, TA32 = 0.33548065549235697;
static const double TA41 = 2.8971530571054935, TA42 = -6.359448489975075,
                    TA43 = 4.362295432869581;
static const double TA51 = 5.325864828439257, TA52 = -11.748883564062828,
                    TA53 = 7.495539342889836, TA54 = -0.09249506636175525;
static const double TA61 = 5.86145544294642, TA62 = -12.92096931784711,
                    TA63 = 8.159367898576158, TA64 = -0.071584973281401,
                    TA65 = -0.028269050394068383;
static const double TA71 = 0.09646076681806523, TA72 = 0.01, TA73 = 0.4798896504144996,
                    TA74 = 1.3790085741037419, TA75 = -3.2900695154360807,
                    TA76 = 2.324710524099774;
/* error estimate: y5 - y4 (b - bhat) */
static const double TE1 = 0.09646076681806523 - 0.09468075576583946,
                    TE2 = 0.01 - 0.009183565540343253,
                    TE3 = 0.4798896504144996 - 0.48777052842476157,
                    TE4 = 1.3790085741037419 - 1.234297566930479,
                    TE5 = -3.2900695154360807 + 2.7077123499835255,
                    TE6 = 2.324710524099774 - 1.866628418170587, TE7 = -1.0 / 66.0;
/* interpolant: coefficients of th^2, th^3, th^4 (th^1: k1 alone) */
static const double TP[3][7] = {
    {-2.7637061972748258, 0.13169999999999998, 3.9302962368947512, -12.411077166933676,
     37.509313416511041, -27.896526289197286, 1.5},
    {2.9132554618219126, -0.22339999999999999, -5.9410338721315048, 30.338188630282318,
     -88.178904894766404, 65.091894674793679, -4.0},
    {-1.0530884977290216, 0.1017, 2.4906272856512528, -16.548102889244902,
     47.379521962819283, -34.870657861496611, 2.5},
};

/* The stage coefficients of one pair as locals a21 ... a76, c2 ... c5.  They are
 * compile-time constants where tsit is (the always-inline steppers below). */
#define ERK_COEFFICIENTS(tsit)                                                        \
    const double a21 = (tsit) ? TA21 : A21, a31 = (tsit) ? TA31 : A31,                \
                 a32 = (tsit) ? TA32 : A32, a41 = (tsit) ? TA41 : A41,                \
                 a42 = (tsit) ? TA42 : A42, a43 = (tsit) ? TA43 : A43,                \
                 a51 = (tsit) ? TA51 : A51, a52 = (tsit) ? TA52 : A52,                \
                 a53 = (tsit) ? TA53 : A53, a54 = (tsit) ? TA54 : A54,                \
                 a61 = (tsit) ? TA61 : A61, a62 = (tsit) ? TA62 : A62,                \
                 a63 = (tsit) ? TA63 : A63, a64 = (tsit) ? TA64 : A64,                \
                 a65 = (tsit) ? TA65 : A65, a71 = (tsit) ? TA71 : A71,                \
                 a73 = (tsit) ? TA73 : A73, a74 = (tsit) ? TA74 : A74,                \
                 a75 = (tsit) ? TA75 : A75, a76 = (tsit) ? TA76 : A76;                \
    const double c2 = (tsit) ? TC2 : C2, c3 = (tsit) ? TC3 : C3, c4 = (tsit) ? TC4 : C4, \
                 c5 = (tsit) ? TC5 : C5

/* step control (Hairer's DOPRI5 defaults) */
static const double SAFE = 0.9, FAC_MIN = 0.2, FAC_MAX = 10.0, BETA = 0.04;
/* auto: a detected stiffness restarts the subject with Rodas4 at once when more than
 * AUTO_HOPELESS steps would be left at the stability-limited step size, and otherwise
 * after AUTO_STIFF_STEPS stability-limited steps.  Measured on the endorphin model with
 * naloxone's fast binding (stiff for hours after a dose, then not): riding it out took
 * about 9,000 steps and cost a sixth of the Rodas4 run (a Jacobian and an LU per
 * step); persistent stiffness (Robertson, ka = 100/min over 14 days) still switches
 * within the budget. */
#define AUTO_HOPELESS 1e7
#define AUTO_STIFF_STEPS 10000
#define LOG_1EM4 (-9.210340371976184)     /* log(1e-4): floor of the PI memory */

size_t endo_workspace_size(const endo_problem *prob)
{
    const size_t S = (size_t)prob->model->n_states;
    const size_t O = (size_t)prob->model->n_outputs;
    /* y, ynew, k1..k7, r1..r5 (dense), ytmp, outbuf; Rodas4: Jacobian, LU,
     * pivots, time derivative */
    return 15 * S + S + O + 8 + 2 * S * S + 2 * S + 11 * prob->n_sel + S + 8;
}

/* Per-subject state of one integration. */
typedef struct {
    const endo_problem *pb;
    const endo_model *m;
    size_t S;
    const double *p, *u;        /* parameters; inputs of the current segment */
    double *y, *ynew, *k[8], *r[5], *ytmp, *obuf;
    double *yout;               /* this subject's (n_sel, n_times) block */
    size_t iout;                /* next output time index */
    int64_t n_rhs, n_acc, n_rej;
    double h;                   /* proposed next step size (0: unknown) */
    double log_facold;          /* log of the previous accepted error (>= log 1e-4) */
    double *jac, *lu, *piv, *dfdt;  /* Rodas4 */
    int64_t n_jac;
    int stiff_count, nonstiff_count;    /* stiffness detection (auto) */
    int stiff_seen;                     /* auto: riding a detected stiffness out */
    int64_t stiff_steps;                /* ... stability-limited steps since */
    double stiff_hl;                    /* h |lambda| estimate of the last step */
    double *sum, *prev, *vals;          /* summary mode: (n_sel, 6), (n_sel), (4, n_sel) */
} subject;

static void rhs(subject *s, double t, const double *y, double *dy)
{
    s->m->rhs(t, y, s->p, s->u, dy);
    s->n_rhs++;
}

/* Write the selected outputs of state y at output index s->iout. */
static inline void emit(subject *s, double t, const double *y)
{
    const endo_problem *pb = s->pb;
    s->m->output(t, y, s->p, s->u, s->obuf);
    for (size_t j = 0; j < pb->n_sel; j++) {
        s->yout[j * pb->n_times + s->iout] = s->obuf[pb->out_idx[j]];
    }
    s->iout++;
}

/* Mark every remaining output NaN. */
static void emit_nan_rest(subject *s)
{
    const endo_problem *pb = s->pb;
    for (; s->iout < pb->n_times; s->iout++) {
        for (size_t j = 0; j < pb->n_sel; j++) {
            s->yout[j * pb->n_times + s->iout] = NAN;
        }
    }
}

/* ---- summary mode ------------------------------------------------------ */
enum { SM_MAX, SM_TMAX, SM_MIN, SM_AUC, SM_ABOVE, SM_END, SM_N };

/* the selected outputs of state y at time t into v[n_sel] */
static inline void sel_outputs(subject *s, double t, const double *y, double *v)
{
    const endo_problem *pb = s->pb;
    s->m->output(t, y, s->p, s->u, s->obuf);
    for (size_t j = 0; j < pb->n_sel; j++) {
        v[j] = s->obuf[pb->out_idx[j]];
    }
}

static inline void sm_extreme(double *acc, double v, double t)
{
    if (v > acc[SM_MAX]) {
        acc[SM_MAX] = v;
        acc[SM_TMAX] = t;
    }
    if (v < acc[SM_MIN]) {
        acc[SM_MIN] = v;
    }
}

/* first call at t0 (start) or at an event: the right-continuous value at t */
static void sm_point(subject *s, double t, const double *y, int start)
{
    const endo_problem *pb = s->pb;
    double *v = s->vals;
    sel_outputs(s, t, y, v);
    for (size_t j = 0; j < pb->n_sel; j++) {
        double *acc = s->sum + SM_N * j;
        if (start) {
            acc[SM_MAX] = acc[SM_MIN] = v[j];
            acc[SM_TMAX] = t;
            acc[SM_AUC] = acc[SM_ABOVE] = 0.0;
        }
        else {
            sm_extreme(acc, v[j], t);
        }
        s->prev[j] = v[j];
        acc[SM_END] = v[j];
    }
}

/* time above thr on [a, b] for a linear segment from va to vb */
static inline double sm_above(double va, double vb, double thr, double len)
{
    const int ia = va > thr, ib = vb > thr;
    if (ia && ib) {
        return len;
    }
    if (!ia && !ib) {
        return 0.0;
    }
    const double f = (ia ? va - thr : vb - thr) / fabs(vb - va);
    return f * len;
}

typedef void (*dense_fn)(subject *s, double theta, double *out);

/* One accepted step [t, t + h]: outputs at theta = 1/3, 2/3 (dense output)
 * and 1 (yn), AUC by Simpson's 3/8 rule, time above the threshold by linear
 * interpolation between the four nodes, extremes with one parabolic
 * refinement when an interior node is the largest (smallest). */
static void sm_step(subject *s, double t, double h, const double *yn, dense_fn dense_at)
{
    const endo_problem *pb = s->pb;
    const size_t n = pb->n_sel;
    double *v1 = s->vals, *v2 = s->vals + n, *v3 = s->vals + 2 * n, *vr = s->vals + 3 * n;
    double *ybuf = s->k[0];
    dense_at(s, 1.0 / 3.0, ybuf);
    sel_outputs(s, t + h / 3.0, ybuf, v1);
    dense_at(s, 2.0 / 3.0, ybuf);
    sel_outputs(s, t + 2.0 * h / 3.0, ybuf, v2);
    sel_outputs(s, t + h, yn, v3);
    for (size_t j = 0; j < n; j++) {
        double *acc = s->sum + SM_N * j;
        const double v[4] = {s->prev[j], v1[j], v2[j], v3[j]};
        const double thr = pb->thresholds ? pb->thresholds[j] : 0.0;
        acc[SM_AUC] += h * (v[0] + 3.0 * v[1] + 3.0 * v[2] + v[3]) / 8.0;
        for (int q = 0; q < 3; q++) {
            acc[SM_ABOVE] += sm_above(v[q], v[q + 1], thr, h / 3.0);
        }
        for (int q = 1; q < 4; q++) {
            sm_extreme(acc, v[q], t + q * h / 3.0);
        }
        acc[SM_END] = v[3];
    }
    /* refine interior extremes: parabola through the node and its neighbours */
    for (int which = 0; which < 2; which++) {
        for (size_t j = 0; j < n; j++) {
            const double v[4] = {s->prev[j], v1[j], v2[j], v3[j]};
            int q = -1;
            for (int c = 1; c <= 2; c++) {
                const int up = which == 0;
                if ((up && v[c] >= v[c - 1] && v[c] >= v[c + 1] && v[c] > v[0] && v[c] > v[3])
                    || (!up && v[c] <= v[c - 1] && v[c] <= v[c + 1] && v[c] < v[0]
                        && v[c] < v[3])) {
                    q = c;
                }
            }
            if (q < 0) {
                continue;
            }
            /* cppcheck-suppress negativeIndex ; q is 1 or 2 here (q < 0 continued) */
            const double a = v[q - 1], b = v[q], c = v[q + 1];
            const double den = a - 2.0 * b + c;
            if (den == 0.0) {
                continue;
            }
            const double off = 0.5 * (a - c) / den;       /* in node spacings, |off| <= 1/2 */
            if (!(fabs(off) <= 0.5)) {
                continue;
            }
            const double theta = (q + off) / 3.0;
            dense_at(s, theta, ybuf);
            sel_outputs(s, t + theta * h, ybuf, vr);
            double *acc = s->sum + SM_N * j;
            sm_extreme(acc, vr[j], t + theta * h);
        }
    }
    for (size_t j = 0; j < n; j++) {
        s->prev[j] = v3[j];
    }
}

static inline double maxd(double a, double b)
{
    return a > b ? a : b;   /* libm's fmax is a call; NaN handled by the caller */
}

static double err_norm(const subject *s, const double *restrict y,
                       const double *restrict ynew, const double *restrict e)
{
    const double rtol = s->pb->rtol, atol = s->pb->atol;
    double acc = 0.0;
    for (size_t i = 0; i < s->S; i++) {
        const double sc = atol + rtol * maxd(fabs(y[i]), fabs(ynew[i]));
        const double q = e[i] / sc;
        acc += q * q;
    }
    return sqrt(acc / (double)s->S);
}

/* Hairer's initial step: one extra RHS evaluation, at t + h0 <= t + span. */
static double initial_step(subject *s, double t, double span)
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

/* Dense output at theta in (0, 1) of the last accepted step, into ytmp:
 * only the states the model's output function reads (the others keep
 * whatever ytmp held; the output function does not look at them). */
static inline __attribute__((always_inline)) void dense(subject *s, double theta)
{
    const double th1 = 1.0 - theta;
    const int *idx = s->m->output_states;
    const size_t n = idx ? (size_t)s->m->n_output_states : s->S;
    for (size_t j = 0; j < n; j++) {
        const size_t i = idx ? (size_t)idx[j] : j;
        s->ytmp[i] = s->r[0][i] + theta * (s->r[1][i] + th1 * (s->r[2][i]
                     + theta * (s->r[3][i] + th1 * s->r[4][i])));
    }
}

/* DP5 dense output at theta into out (all the states the outputs read) */
static void dp5_dense_at(subject *s, double theta, double *out)
{
    dense(s, theta);
    memcpy(out, s->ytmp, s->S * sizeof(double));
}

/* Tsit5 interpolant at theta into ytmp (the states the outputs read):
 * r0 = y, r1..r4 = h sum_i TP_m[i] k_i */
static inline __attribute__((always_inline)) void dense_poly(subject *s, double theta)
{
    const int *idx = s->m->output_states;
    const size_t n = idx ? (size_t)s->m->n_output_states : s->S;
    for (size_t j = 0; j < n; j++) {
        const size_t i = idx ? (size_t)idx[j] : j;
        s->ytmp[i] = s->r[0][i] + theta * (s->r[1][i] + theta * (s->r[2][i]
                     + theta * (s->r[3][i] + theta * s->r[4][i])));
    }
}

static void ts5_dense_at(subject *s, double theta, double *out)
{
    dense_poly(s, theta);
    memcpy(out, s->ytmp, s->S * sizeof(double));
}

/* The start of an interval [ta, tb]: k1 at ta (no FSAL across an event) and
 * the step size to try first. */
static inline __attribute__((always_inline)) void erk_begin(subject *s, double ta, double tb)
{
    const double hfix = s->pb->fixed_step;
    rhs(s, ta, s->y, s->k[1]);
    if (hfix > 0.0) {
        s->h = hfix;
    }
    else if (s->h <= 1e-14 * fmax(fabs(ta), 1.0)) {
        /* none yet, or the one carried over from an interval shorter than the
         * time resolution (an event just after t0, or two events 1e-16 apart):
         * a fresh estimate, not an immediate "step size underflow" */
        s->h = initial_step(s, ta, tb - ta);
    }
}

/* A step of the proposed size h from t towards tb: cut to land on tb when it
 * would (nearly) reach it; ENDO_STEP_UNDERFLOW below the time resolution. */
static inline __attribute__((always_inline)) int
step_to(double h, double t, double tb, double *h_out, int *last_out)
{
    int last = 0;
    if (t + h >= tb || t + 1.0000001 * h >= tb) {
        h = tb - t;
        last = 1;
    }
    if (!last && h <= 1e-14 * fmax(fabs(t), 1.0)) {
        return ENDO_STEP_UNDERFLOW;
    }
    *h_out = h;
    *last_out = last;
    return ENDO_OK;
}

/* The next step from t towards tb: its size, whether it lands on tb, or a
 * failure status. */
static inline __attribute__((always_inline)) int
erk_plan(const subject *s, double t, double tb, double *h_out, int *last_out)
{
    if (s->n_acc + s->n_rej >= s->pb->max_steps) {
        return ENDO_MAX_STEPS;
    }
    return step_to(s->h, t, tb, h_out, last_out);
}

/* PI control after an accepted step with log error le: the next step size
 * (err^(0.2 - 0.75 beta) and facold^beta through one log and one exp; two pow
 * calls cost 5 % of a W4 run). */
static inline __attribute__((always_inline)) double
pi_accepted(subject *s, double le, double h, int reject)
{
    double fac = exp((0.2 - BETA * 0.75) * le - BETA * s->log_facold);
    fac = fmax(1.0 / FAC_MAX, fmin(1.0 / FAC_MIN, fac / SAFE));
    double hnew = h / fac;
    if (reject) {
        hnew = fmin(hnew, h);
    }
    s->log_facold = maxd(le, LOG_1EM4);
    return hnew;
}

/* ... and after a rejected one */
static inline __attribute__((always_inline)) double
pi_rejected(double err, double le, double h)
{
    if (!isfinite(err)) {
        return h * FAC_MIN;
    }
    const double fac11 = exp((0.2 - BETA * 0.75) * le);
    return h / fmin(1.0 / FAC_MIN, fac11 / SAFE);
}

/* auto: the stiffness test after an accepted step of size h ending at tnew
 * (s->stiff_hl set by the step); ENDO_STIFF asks for the restart with Rodas4. */
static inline __attribute__((always_inline)) int auto_stiffness(subject *s, double h,
                                                                double tnew)
{
    const endo_problem *pb = s->pb;
    if (s->stiff_hl > 3.25) {
        s->nonstiff_count = 0;
        if (++s->stiff_count >= 15) {
            /* restart with Rodas4 at once when the steps left at this
             * stability-limited step size are hopeless; otherwise ride
             * the stiffness out (it often fades, as a drug is cleared)
             * for up to AUTO_STIFF_STEPS stiff steps */
            const double t_final = pb->t_out[pb->n_times - 1];
            const double left = (t_final - tnew) / fmax(h, 1e-300);
            if (left > AUTO_HOPELESS) {
                return ENDO_STIFF;
            }
            s->stiff_count = 0;
            s->stiff_seen = 1;
        }
        if (s->stiff_seen && ++s->stiff_steps > AUTO_STIFF_STEPS) {
            return ENDO_STIFF;
        }
    }
    else if (++s->nonstiff_count >= 6) {
        s->stiff_count = 0;
    }
    return ENDO_OK;
}

/* The outputs strictly inside (t, tnew) of an accepted step, and at tnew
 * unless tnew ends the interval, from the dense output (s->r). */
static inline __attribute__((always_inline)) void
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
static inline __attribute__((always_inline)) int
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
            const int need_dense = pb->summary != NULL
                                   || (s->iout < pb->n_times && pb->t_out[s->iout] < tnew);
            const int *oidx = s->m->output_states;
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
            emit_inside(s, t, h, tnew, tsit);
            if (pb->summary != NULL) {
                sm_step(s, t, tnew - t, yn, tsit ? ts5_dense_at : dp5_dense_at);
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

/* The two explicit methods, each built as ENDO_CLONES (models.h). */

ENDO_CLONES static int integrate_interval(subject *s, double ta, double tb)
{
    return erk_interval(s, ta, tb, 0);
}

ENDO_CLONES static int integrate_interval_tsit5(subject *s, double ta, double tb)
{
    return erk_interval(s, ta, tb, 1);
}

/* ------------------------------------------------------------------------- */
/* Rodas4                                                                     */
/* ------------------------------------------------------------------------- */
static const double RG = 0.25;      /* gamma */
static const double RC2 = 0.386, RC3 = 0.21, RC4 = 0.63;
static const double RD1 = 0.25, RD2 = -0.1043, RD3 = 0.1035, RD4 = -0.03620000000000023;
static const double RA21 = 1.544;
static const double RA31 = 0.9466785280815826, RA32 = 0.2557011698983284;
static const double RA41 = 3.314825187068521, RA42 = 2.896124015972201,
                    RA43 = 0.9986419139977817;
static const double RA51 = 1.221224509226641, RA52 = 6.019134481288629,
                    RA53 = 12.53708332932087, RA54 = -0.6878860361058950;
static const double RC21 = -5.6688;
static const double RC31 = -2.430093356833875, RC32 = -0.2063599157091915;
static const double RC41 = -0.1073529058151375, RC42 = -9.594562251023355,
                    RC43 = -20.47028614809616;
static const double RC51 = 7.496443313967647, RC52 = -10.24680431464352,
                    RC53 = -33.99990352819905, RC54 = 11.70890893206160;
static const double RC61 = 8.083246795921522, RC62 = -7.981132988064893,
                    RC63 = -31.52159432874371, RC64 = 16.31930543123136,
                    RC65 = -6.058818238834054;
/* continuous extension */
static const double RH21 = 10.12623508344586, RH22 = -7.487995877610167,
                    RH23 = -34.80091861555747, RH24 = -7.992771707568823,
                    RH25 = 1.025137723295662;
static const double RH31 = -0.6762803392801253, RH32 = 6.087714651680015,
                    RH33 = 16.43084320892478, RH34 = 24.76722511418386,
                    RH35 = -6.594389125716872;
/* step control (Hairer's RODAS defaults) */
static const double R_SAFE = 0.9, R_FACL = 0.2, R_FACR = 6.0;

/* Jacobian (analytic, or forward differences) and time derivative at (t, y),
 * f0 = f(t, y) given. */
static void rodas_jacobian(subject *s, double t, const double *y, const double *f0)
{
    const size_t S = s->S;
    double *tmp = s->k[7], *ft = s->k[6];
    s->n_jac++;
    if (s->m->jac != NULL) {
        s->m->jac(t, y, s->p, s->u, s->jac);
    }
    else {
        memcpy(tmp, y, S * sizeof(double));
        for (size_t j = 0; j < S; j++) {
            const double d = sqrt(2.2e-16 * fmax(1e-5, fabs(y[j])));
            tmp[j] = y[j] + d;
            rhs(s, t, tmp, ft);
            tmp[j] = y[j];
            for (size_t i = 0; i < S; i++) {
                s->jac[i * S + j] = (ft[i] - f0[i]) / d;
            }
        }
    }
    const double dt = sqrt(2.2e-16 * fmax(1e-5, fabs(t)));
    rhs(s, t + dt, y, ft);
    for (size_t i = 0; i < S; i++) {
        s->dfdt[i] = (ft[i] - f0[i]) / dt;
    }
}

/* LU with partial pivoting of E = I / (gamma h) - J, in place in s->lu.
 * Returns 0, or -1 when a pivot is zero or not finite. */
static int rodas_decompose(subject *s, double h)
{
    const size_t S = s->S;
    double *a = s->lu;
    const double g = 1.0 / (RG * h);
    for (size_t i = 0; i < S * S; i++) {
        a[i] = -s->jac[i];
    }
    for (size_t i = 0; i < S; i++) {
        a[i * S + i] += g;
    }
    for (size_t k = 0; k < S; k++) {
        size_t p = k;
        double best = fabs(a[k * S + k]);
        for (size_t i = k + 1; i < S; i++) {
            if (fabs(a[i * S + k]) > best) {
                best = fabs(a[i * S + k]);
                p = i;
            }
        }
        if (!(best > 0.0) || !isfinite(best)) {
            return -1;
        }
        s->piv[k] = (double)p;
        if (p != k) {
            for (size_t j = 0; j < S; j++) {
                const double tmp = a[k * S + j];
                a[k * S + j] = a[p * S + j];
                a[p * S + j] = tmp;
            }
        }
        const double inv = 1.0 / a[k * S + k];
        for (size_t i = k + 1; i < S; i++) {
            const double l = a[i * S + k] * inv;
            a[i * S + k] = l;
            if (l != 0.0) {
                for (size_t j = k + 1; j < S; j++) {
                    a[i * S + j] -= l * a[k * S + j];
                }
            }
        }
    }
    return 0;
}

/* Solve E x = b in place (b becomes x). */
static void rodas_solve(const subject *s, double *b)
{
    const size_t S = s->S;
    const double *a = s->lu;
    for (size_t k = 0; k < S; k++) {
        const size_t p = (size_t)s->piv[k];
        if (p != k) {
            const double tmp = b[k];
            b[k] = b[p];
            b[p] = tmp;
        }
        for (size_t i = k + 1; i < S; i++) {
            b[i] -= a[i * S + k] * b[k];
        }
    }
    for (size_t k = S; k-- > 0;) {
        double acc = b[k];
        for (size_t j = k + 1; j < S; j++) {
            acc -= a[k * S + j] * b[j];
        }
        b[k] = acc / a[k * S + k];
    }
}

/* Rodas4 continuous extension at theta of the step just computed (y old,
 * ynew, k1..k5) into out: y(t + th h) = (1 - th) y + th (ynew + (1 - th)(w2 + th w3)) */
static void rodas_dense_at(subject *s, double th, double *out)
{
    const double t1 = 1.0 - th;
    const double *y = s->y, *yn = s->ynew;
    const double *k1 = s->k[1], *k2 = s->k[2], *k3 = s->k[3], *k4 = s->k[4], *k5 = s->k[5];
    for (size_t i = 0; i < s->S; i++) {
        const double w2 = RH21 * k1[i] + RH22 * k2[i] + RH23 * k3[i] + RH24 * k4[i]
                          + RH25 * k5[i];
        const double w3 = RH31 * k1[i] + RH32 * k2[i] + RH33 * k3[i] + RH34 * k4[i]
                          + RH35 * k5[i];
        out[i] = t1 * y[i] + th * (yn[i] + t1 * (w2 + th * w3));
    }
}

/* Rodas4 from ta to tb (> ta) with the inputs of the current segment, writing
 * the outputs requested strictly inside (ta, tb).  Returns a status.
 * Stage values k1..k6 live in s->k[1..6]; f(t, y) in s->k[0]... the DP5
 * arrays are reused: k[7] and k[6] are scratch for the Jacobian. */
static int rodas_interval(subject *s, double ta, double tb)
{
    const endo_problem *pb = s->pb;
    const size_t S = s->S;
    double *y = s->y, *yn = s->ynew, *yt = s->ytmp;
    double *f0 = s->r[4];                       /* f(t, y), kept across rejections */
    double *k1 = s->k[1], *k2 = s->k[2], *k3 = s->k[3], *k4 = s->k[4], *k5 = s->k[5];
    double *k6 = s->k[6], *ft = s->k[7];
    double t = ta;
    int fresh = 0;          /* f0, J, dfdt valid at (t, y) */
    int reject = 0;
    int singular = 0;
    if (pb->fixed_step > 0.0) {
        s->h = pb->fixed_step;
    }
    if (tb - ta < 1e-280) {
        /* an interval so short that 1/h overflows (an event a denormal after
         * the previous one): the W-matrix would be inf/NaN and every step
         * rejected down to "step size underflow".  One Euler step is exact
         * to rounding over it. */
        rhs(s, ta, y, f0);
        for (size_t i = 0; i < S; i++) y[i] += (tb - ta) * f0[i];
        while (s->iout < pb->n_times && pb->t_out[s->iout] < tb) {
            emit(s, pb->t_out[s->iout], y);
        }
        return ENDO_OK;
    }

    while (t < tb) {
        if (s->n_acc + s->n_rej >= pb->max_steps) {
            return ENDO_MAX_STEPS;
        }
        if (!fresh) {
            rhs(s, t, y, f0);
            rodas_jacobian(s, t, y, f0);
            fresh = 1;
            /* none yet, or a carried-over step below the time resolution at
             * the start of the interval (see erk_interval) */
            if (s->h <= 0.0 || (t == ta && s->h <= 1e-14 * fmax(fabs(ta), 1.0))) {
                memcpy(s->k[1], f0, S * sizeof(double));
                s->h = initial_step(s, t, tb - t);
            }
        }
        double h;
        int last;
        if (step_to(s->h, t, tb, &h, &last) != ENDO_OK) {
            return ENDO_STEP_UNDERFLOW;
        }
        if (rodas_decompose(s, h) != 0) {
            if (++singular > 10) {
                return ENDO_SINGULAR;
            }
            s->h = 0.5 * h;
            s->n_rej++;
            reject = 1;
            continue;
        }
        singular = 0;
        const double tn = last ? tb : t + h;
        const double ih = 1.0 / h;
        /* stage 1 */
        for (size_t i = 0; i < S; i++) k1[i] = f0[i] + h * RD1 * s->dfdt[i];
        rodas_solve(s, k1);
        /* stage 2 */
        for (size_t i = 0; i < S; i++) yt[i] = y[i] + RA21 * k1[i];
        rhs(s, t + RC2 * h, yt, ft);
        for (size_t i = 0; i < S; i++) k2[i] = ft[i] + ih * RC21 * k1[i] + h * RD2 * s->dfdt[i];
        rodas_solve(s, k2);
        /* stage 3 */
        for (size_t i = 0; i < S; i++) yt[i] = y[i] + RA31 * k1[i] + RA32 * k2[i];
        rhs(s, t + RC3 * h, yt, ft);
        for (size_t i = 0; i < S; i++)
            k3[i] = ft[i] + ih * (RC31 * k1[i] + RC32 * k2[i]) + h * RD3 * s->dfdt[i];
        rodas_solve(s, k3);
        /* stage 4 */
        for (size_t i = 0; i < S; i++)
            yt[i] = y[i] + RA41 * k1[i] + RA42 * k2[i] + RA43 * k3[i];
        rhs(s, t + RC4 * h, yt, ft);
        for (size_t i = 0; i < S; i++)
            k4[i] = ft[i] + ih * (RC41 * k1[i] + RC42 * k2[i] + RC43 * k3[i])
                    + h * RD4 * s->dfdt[i];
        rodas_solve(s, k4);
        /* stage 5 (at t + h) */
        for (size_t i = 0; i < S; i++)
            yn[i] = y[i] + RA51 * k1[i] + RA52 * k2[i] + RA53 * k3[i] + RA54 * k4[i];
        rhs(s, tn, yn, ft);
        for (size_t i = 0; i < S; i++)
            k5[i] = ft[i] + ih * (RC51 * k1[i] + RC52 * k2[i] + RC53 * k3[i] + RC54 * k4[i]);
        rodas_solve(s, k5);
        /* stage 6: the embedded solution y5 + k5; k6 is the error estimate */
        for (size_t i = 0; i < S; i++) yn[i] += k5[i];
        rhs(s, tn, yn, ft);
        for (size_t i = 0; i < S; i++)
            k6[i] = ft[i] + ih * (RC61 * k1[i] + RC62 * k2[i] + RC63 * k3[i]
                                  + RC64 * k4[i] + RC65 * k5[i]);
        rodas_solve(s, k6);
        for (size_t i = 0; i < S; i++) yn[i] += k6[i];

        const double err = err_norm(s, y, yn, k6);
        double fac = pow(maxd(err, 1e-300), 0.25) / R_SAFE;
        if (!isfinite(fac)) {
            fac = 1.0 / R_FACL;
        }
        fac = fmax(1.0 / R_FACR, fmin(1.0 / R_FACL, fac));
        double hnew = h / fac;
        if (err <= 1.0 || pb->fixed_step > 0.0) {
            s->n_acc++;
            for (size_t i = 0; i < S; i++) {
                if (!isfinite(yn[i])) {
                    return ENDO_NONFINITE;
                }
            }
            /* outputs strictly inside (t, tn) from the continuous extension:
             * y(t + th h) = (1 - th) y + th (ynew + (1 - th)(w2 + th w3)) */
            while (s->iout < pb->n_times && pb->t_out[s->iout] < tn) {
                rodas_dense_at(s, (pb->t_out[s->iout] - t) / h, ft);
                emit(s, pb->t_out[s->iout], ft);
            }
            if (pb->summary != NULL) {
                sm_step(s, t, tn - t, yn, rodas_dense_at);
            }
            memcpy(y, yn, S * sizeof(double));
            t = tn;
            fresh = 0;
            if (reject) {
                hnew = fmin(hnew, h);
            }
            reject = 0;
            if (tn < tb) {
                while (s->iout < pb->n_times && pb->t_out[s->iout] == tn) {
                    emit(s, tn, y);
                }
            }
            if (pb->fixed_step > 0.0) {
                hnew = pb->fixed_step;
            }
            s->h = last ? fmax(hnew, s->h) : hnew;
        }
        else {
            s->n_rej++;
            s->h = hnew;
            reject = 1;
        }
    }
    return ENDO_OK;
}

/* Where a subject is in its protocol: the events passed and the time. */
typedef struct {
    const double *inputs, *bk, *dt, *da;
    const int64_t *ds;
    size_t seg, idose, ibreak;
    double t, t_end;
} cursor;

/* Set up subject i in `work` (endo_workspace_size doubles) at t0 with its
 * initial state; returns ENDO_OK or ENDO_INIT_FAILED. */
static int subject_begin(subject *s, cursor *c, const endo_problem *pb, size_t i,
                         double *work)
{
    const endo_model *m = pb->model;
    const size_t S = (size_t)m->n_states;
    const size_t U = (size_t)m->n_inputs;
    memset(s, 0, sizeof *s);
    memset(c, 0, sizeof *c);
    s->pb = pb;
    s->m = m;
    s->S = S;
    s->p = pb->params + i * pb->params_stride;
    s->y = work;
    s->ynew = work + S;
    for (int j = 1; j <= 7; j++) {
        s->k[j] = work + (size_t)(1 + j) * S;
    }
    for (int j = 0; j < 5; j++) {
        s->r[j] = work + (size_t)(9 + j) * S;
    }
    s->ytmp = work + 14 * S;
    s->obuf = work + 15 * S;
    s->jac = work + 16 * S + (size_t)m->n_outputs + 8;
    s->lu = s->jac + S * S;
    s->piv = s->lu + S * S;
    s->dfdt = s->piv + S;
    s->sum = s->dfdt + S;
    s->prev = s->sum + SM_N * pb->n_sel;
    s->vals = s->prev + pb->n_sel;
    s->k[0] = s->vals + 4 * pb->n_sel;  /* scratch state for summary nodes */
    s->yout = pb->y + i * pb->n_sel * pb->n_times;
    s->log_facold = LOG_1EM4;

    static const double no_inputs[1] = {0.0};
    c->inputs = pb->inputs ? pb->inputs + i * pb->inputs_stride : NULL;
    s->u = (U > 0) ? c->inputs : no_inputs;
    c->dt = pb->dose_times ? pb->dose_times + i * pb->dose_times_stride : NULL;
    c->da = pb->dose_amounts ? pb->dose_amounts + i * pb->dose_amounts_stride : NULL;
    c->ds = pb->dose_states ? pb->dose_states + i * pb->dose_states_stride : NULL;
    c->bk = pb->breaks ? pb->breaks + i * pb->breaks_stride : NULL;
    c->t = pb->t0;
    c->t_end = pb->n_times ? pb->t_out[pb->n_times - 1] : pb->t0;

    if (pb->y0 != NULL) {
        memcpy(s->y, pb->y0 + i * pb->y0_stride, S * sizeof(double));
    }
    else if (m->init != NULL) {
        if (m->init(pb->t0, s->p, s->u, s->y) != 0) {
            return ENDO_INIT_FAILED;
        }
    }
    else {
        memset(s->y, 0, S * sizeof(double));
    }
    return ENDO_OK;
}

/* The events at c->t (input switches, then all the doses at c->t), the
 * right-continuous outputs at c->t and the summary point.  Returns 1 when the
 * subject has reached its end, else 0 with the end of the next interval in *te. */
static int subject_events(subject *s, cursor *c, double *te)
{
    const endo_problem *pb = s->pb;
    const size_t U = (size_t)s->m->n_inputs;
    const double t = c->t;
    while (c->ibreak < pb->n_breaks && c->bk[c->ibreak] <= t) {
        c->ibreak++;
        c->seg++;
        s->u = c->inputs + c->seg * U;
    }
    while (c->idose < pb->n_doses && c->dt[c->idose] <= t) {
        s->y[c->ds[c->idose]] += c->da[c->idose];
        c->idose++;
    }
    while (s->iout < pb->n_times && pb->t_out[s->iout] <= t) {
        emit(s, pb->t_out[s->iout], s->y);
    }
    if (pb->summary != NULL) {
        sm_point(s, t, s->y, t == pb->t0);
    }
    if (t >= c->t_end) {
        return 1;
    }
    double e = c->t_end;
    if (c->ibreak < pb->n_breaks && c->bk[c->ibreak] < e) {
        e = c->bk[c->ibreak];
    }
    if (c->idose < pb->n_doses && c->dt[c->idose] < e) {
        e = c->dt[c->idose];
    }
    *te = e;
    return 0;
}

/* The end of one pass over subject i: NaN outputs after a failure, the
 * summary, and its work added to counts (rhs, accepted, rejected, Jacobians). */
static void subject_end(subject *s, size_t i, int status, int64_t counts[4])
{
    const endo_problem *pb = s->pb;
    if (status != ENDO_OK && status != ENDO_STIFF) {
        emit_nan_rest(s);
    }
    if (pb->summary != NULL && status != ENDO_STIFF) {
        double *dst = pb->summary + i * pb->n_sel * SM_N;
        for (size_t j = 0; j < pb->n_sel * SM_N; j++) {
            dst[j] = status == ENDO_OK ? s->sum[j] : NAN;
        }
    }
    counts[0] += s->n_rhs;
    counts[1] += s->n_acc;
    counts[2] += s->n_rej;
    counts[3] += s->n_jac;
}

/* One pass over subject i with one method; adds its work to counts
 * (rhs, accepted, rejected, jacobians).  Returns the status. */
static int run_subject(const endo_problem *pb, size_t i, double *work, int stiff,
                       int64_t counts[4])
{
    subject s;
    cursor c;
    int status = subject_begin(&s, &c, pb, i, work);
    while (status == ENDO_OK) {
        double te;
        if (subject_events(&s, &c, &te)) {
            break;
        }
        status = stiff ? rodas_interval(&s, c.t, te)
                 : pb->tsit5 ? integrate_interval_tsit5(&s, c.t, te)
                 : integrate_interval(&s, c.t, te);
        c.t = te;
    }
    subject_end(&s, i, status, counts);
    return status;
}

/* Store subject i's results; with method auto, first redo it from t0 with
 * the stiff method when the explicit pass gave up (status). */
static void subject_store(const endo_problem *pb, size_t i, double *work, int status,
                          int stiff, int64_t counts[4])
{
    if (pb->method == ENDO_METHOD_AUTO && !stiff
        && (status == ENDO_STIFF || status == ENDO_MAX_STEPS)) {
        /* start again from t0 with the stiff method (outputs overwritten) */
        stiff = 1;
        status = run_subject(pb, i, work, 1, counts);
    }
    pb->status[i] = (int8_t)status;
    pb->n_rhs[i] = counts[0];
    pb->n_accepted[i] = counts[1];
    pb->n_rejected[i] = counts[2];
    if (pb->n_jac != NULL) {
        pb->n_jac[i] = counts[3];
    }
    if (pb->used_stiff != NULL) {
        pb->used_stiff[i] = (int8_t)stiff;
    }
}

void endo_integrate_subject(const endo_problem *pb, size_t i, double *work)
{
    int64_t counts[4] = {0, 0, 0, 0};
    const int stiff = pb->method == ENDO_METHOD_STIFF;
    subject_store(pb, i, work, run_subject(pb, i, work, stiff, counts), stiff, counts);
}

/* ------------------------------------------------------------------------- */
/* Subjects side by side in SIMD lanes (dopri5.h)                             */
/* ------------------------------------------------------------------------- */
/*
 * Each lane has a scalar subject of its own (its own workspace, events,
 * outputs, summary and step control: the code above); the lanes share only
 * the stages, computed in structure-of-arrays form, a[i * LN + l], with the
 * model's rhs_lanes.  Every operation of a lane's stage, error and
 * dense-output arithmetic is the scalar one, in the same order, so a lane's
 * results are bitwise those of endo_integrate_subject (tests compare them).
 * Interval starts (k1 and the initial step) run scalar, on the lane's own
 * subject, then its state is copied into the lanes.  A lane whose subject is
 * done takes the next one at once: lanes never wait for each other.  Idle
 * lanes (no subjects left) step with h = 0 and are ignored.
 */
#define LN ENDO_LANES

typedef struct {
    subject s;
    cursor c;
    double *work;           /* this lane's scalar workspace */
    size_t i;               /* its subject */
    int live;               /* a subject is in the lane */
    int stepping;           /* inside an interval */
    int status, reject, last;
    double t, tb, h;        /* time, end of the interval, this step's size */
    int64_t counts[4];
} lane;

size_t endo_lanes_workspace_size(const endo_problem *pb)
{
    const endo_model *m = pb->model;
    if (m->rhs_lanes == NULL || !pb->lanes || pb->method == ENDO_METHOD_STIFF
        || pb->fixed_step > 0.0) {
        return 0;
    }
    const size_t S = (size_t)m->n_states, P = (size_t)m->n_params;
    const size_t U = (size_t)m->n_inputs > 0 ? (size_t)m->n_inputs : 1;
    const size_t nd = m->output_states ? (size_t)m->n_output_states : S;
    const size_t O = (size_t)m->n_outputs;
    /* lanes' own workspaces; y, ynew, k1..k7, ytmp; params; inputs; dense; and
     * for output_lanes each lane's params and inputs in every column, the
     * points (S) and their outputs (O), and the padded times of the last group */
    return LN * endo_workspace_size(pb) + LN * (10 * S + P + U + 5 * nd)
           + LN * LN * (P + U) + LN * (S + O + 1);
}

/* Copy lane l's column of a (n x LN) into / out of the contiguous v[n]. */
static inline void col_put(double *a, size_t n, int l, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        a[i * LN + (size_t)l] = v[i];
    }
}

static inline void col_get(const double *a, size_t n, int l, double *v)
{
    for (size_t i = 0; i < n; i++) {
        v[i] = a[i * LN + (size_t)l];
    }
}

typedef struct {
    const endo_problem *pb;
    endo_next_fn next;
    void *ctx;
    size_t S, U;
    double *Y, *YN, *K[8], *YT, *PP, *UU, *R[5];
    /* output_lanes: lane l's params and inputs repeated in every column, the
     * points and their times and outputs */
    double *PR[LN], *UR[LN], *YP, *TPT, *OP;
} lanes_ctx;

/* v[n] into every column of a (n x LN) */
static inline void col_fill(double *a, size_t n, const double *v)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < LN; k++) {
            a[i * LN + (size_t)k] = v[i];
        }
    }
}

/* Bring lane l to its next step: finish subjects, take new ones, pass events,
 * start intervals, until the lane has a step to take (stepping, ln->h set) or
 * no subject is left (not live). */
static void lane_prepare(lanes_ctx *x, lane *ln, int l)
{
    const endo_problem *pb = x->pb;
    const endo_model *m = pb->model;
    for (;;) {
        if (!ln->live) {
            const size_t i = x->next(x->ctx);
            if (i == ENDO_NO_SUBJECT) {
                ln->stepping = 0;
                return;
            }
            ln->i = i;
            ln->live = 1;
            ln->stepping = 0;
            ln->counts[0] = ln->counts[1] = ln->counts[2] = ln->counts[3] = 0;
            ln->status = subject_begin(&ln->s, &ln->c, pb, i, ln->work);
            col_put(x->PP, (size_t)m->n_params, l, ln->s.p);
            if (m->output_lanes != NULL) {
                col_fill(x->PR[l], (size_t)m->n_params, ln->s.p);
            }
        }
        if (ln->status != ENDO_OK) {
            /* done: store (auto's stiff retry runs here, scalar) */
            subject_end(&ln->s, ln->i, ln->status, ln->counts);
            subject_store(pb, ln->i, ln->work, ln->status, 0, ln->counts);
            ln->live = 0;
            ln->stepping = 0;
            continue;
        }
        if (!ln->stepping) {
            double te;
            if (subject_events(&ln->s, &ln->c, &te)) {
                subject_end(&ln->s, ln->i, ENDO_OK, ln->counts);
                subject_store(pb, ln->i, ln->work, ENDO_OK, 0, ln->counts);
                ln->live = 0;
                continue;
            }
            erk_begin(&ln->s, ln->c.t, te);
            col_put(x->Y, x->S, l, ln->s.y);
            col_put(x->K[1], x->S, l, ln->s.k[1]);
            if (m->n_inputs > 0) {
                col_put(x->UU, x->U, l, ln->s.u);
                if (m->output_lanes != NULL) {
                    col_fill(x->UR[l], x->U, ln->s.u);
                }
            }
            ln->t = ln->c.t;
            ln->tb = te;
            ln->reject = 0;
            ln->stepping = 1;
        }
        const int plan = erk_plan(&ln->s, ln->t, ln->tb, &ln->h, &ln->last);
        if (plan == ENDO_OK) {
            return;
        }
        ln->status = plan;
        ln->stepping = 0;
    }
}

/* emit_inside for lane l, reading the dense-output coefficients where the
 * lanes computed them (dense and dense_poly's arithmetic) */
static inline __attribute__((always_inline)) void
lane_emit_inside(const lanes_ctx *x, subject *s, int l, double t, double h, double tnew,
                 const int tsit)
{
    const endo_problem *pb = s->pb;
    const int *idx = s->m->output_states;
    const size_t n = idx ? (size_t)s->m->n_output_states : s->S;
    const double *restrict r0 = x->R[0] + l, *restrict r1 = x->R[1] + l;
    const double *restrict r2 = x->R[2] + l, *restrict r3 = x->R[3] + l;
    const double *restrict r4 = x->R[4] + l;
    double *restrict yt = s->ytmp;
    if (s->m->output_lanes != NULL) {
        /* LN points at a time, the dense output vectorised over the points.  The
         * group's times are read straight from t_out, the points after the last
         * one inside the step included (their outputs are computed and dropped);
         * only the group at the end of t_out is padded with its last point. */
        double *restrict YP = x->YP, *restrict TPT = x->TPT;
        while (s->iout < pb->n_times && pb->t_out[s->iout] < tnew) {
            int np = 0;
            while (np < LN && s->iout + (size_t)np < pb->n_times
                   && pb->t_out[s->iout + (size_t)np] < tnew) {
                np++;
            }
            const double *tg = pb->t_out + s->iout;
            if (s->iout + LN > pb->n_times) {
                for (int k = 0; k < LN; k++) {
                    TPT[k] = tg[k < np ? k : np - 1];
                }
                tg = TPT;
            }
            double th[LN], th1[LN];
#pragma omp simd
            for (int k = 0; k < LN; k++) {
                th[k] = (tg[k] - t) / h;
                th1[k] = 1.0 - th[k];
            }
            for (size_t j = 0; j < n; j++) {
                const size_t i = idx ? (size_t)idx[j] : j, b = j * LN;
                const double a0 = r0[b], a1 = r1[b], a2 = r2[b], a3 = r3[b], a4 = r4[b];
                double *restrict yp = YP + i * LN;
                if (tsit) {
#pragma omp simd
                    for (int k = 0; k < LN; k++) {
                        yp[k] = a0 + th[k] * (a1 + th[k] * (a2 + th[k] * (a3 + th[k] * a4)));
                    }
                }
                else {
#pragma omp simd
                    for (int k = 0; k < LN; k++) {
                        yp[k] = a0 + th[k] * (a1 + th1[k] * (a2 + th[k] * (a3 + th1[k] * a4)));
                    }
                }
            }
            s->m->output_lanes(tg, YP, x->PR[l], x->UR[l], x->OP);
            for (size_t j = 0; j < pb->n_sel; j++) {
                const double *o = x->OP + (size_t)pb->out_idx[j] * LN;
                double *dst = s->yout + j * pb->n_times + s->iout;
                for (int k = 0; k < np; k++) {
                    dst[k] = o[k];
                }
            }
            s->iout += (size_t)np;
        }
        return;
    }
    while (s->iout < pb->n_times && pb->t_out[s->iout] < tnew) {
        const double to = pb->t_out[s->iout];
        const double theta = (to - t) / h, th1 = 1.0 - theta;
        for (size_t j = 0; j < n; j++) {
            const size_t i = idx ? (size_t)idx[j] : j, b = j * LN;
            if (tsit) {
                yt[i] = r0[b] + theta * (r1[b] + theta * (r2[b]
                        + theta * (r3[b] + theta * r4[b])));
            }
            else {
                yt[i] = r0[b] + theta * (r1[b] + th1 * (r2[b]
                        + theta * (r3[b] + th1 * r4[b])));
            }
        }
        emit(s, to, yt);
    }
}

/* stmt for every state i and lane l, vectorised over the lanes; a = i LN + l */
#define FOR_STATES_AND_LANES(stmt)                                                    \
    for (size_t i = 0; i < S; i++) {                                                  \
        _Pragma("omp simd") for (int l = 0; l < LN; l++) {                            \
            const size_t a = i * LN + (size_t)l;                                      \
            stmt;                                                                     \
        }                                                                             \
    }

/* the stage times t + c h of all lanes */
static inline __attribute__((always_inline)) void lane_times(double *tt, const double *t,
                                                             const double *h, double c)
{
#pragma omp simd
    for (int l = 0; l < LN; l++) tt[l] = t[l] + c * h[l];
}

static inline __attribute__((always_inline)) void
lanes_run(const endo_problem *pb, endo_next_fn next, void *ctx, double *work, const int tsit)
{
    const endo_model *m = pb->model;
    const size_t S = (size_t)m->n_states;
    const int *oidx = m->output_states;
    const size_t nd = oidx ? (size_t)m->n_output_states : S;
    const int is_auto = pb->method == ENDO_METHOD_AUTO;
    const double rtol = pb->rtol, atol = pb->atol;
    lanes_ctx x;
    memset(&x, 0, sizeof x);
    x.pb = pb;
    x.next = next;
    x.ctx = ctx;
    x.S = S;
    x.U = (size_t)m->n_inputs > 0 ? (size_t)m->n_inputs : 1;
    lane ln[LN];
    memset(ln, 0, sizeof ln);
    const size_t ws = endo_workspace_size(pb);
    double *q = work + LN * ws;
    x.Y = q;
    x.YN = q + S * LN;
    for (int j = 1; j <= 7; j++) {
        x.K[j] = q + (size_t)(1 + j) * S * LN;
    }
    x.YT = q + 9 * S * LN;
    x.PP = q + 10 * S * LN;
    x.UU = x.PP + (size_t)m->n_params * LN;
    for (int j = 0; j < 5; j++) {
        x.R[j] = x.UU + x.U * LN + (size_t)j * nd * LN;
    }
    double *q2 = x.R[4] + nd * LN;
    for (int l = 0; l < LN; l++) {
        x.PR[l] = q2 + (size_t)l * ((size_t)m->n_params + x.U) * LN;
        x.UR[l] = x.PR[l] + (size_t)m->n_params * LN;
    }
    x.YP = q2 + LN * ((size_t)m->n_params + x.U) * LN;
    x.OP = x.YP + S * LN;
    x.TPT = x.OP + (size_t)m->n_outputs * LN;
    memset(q, 0, (size_t)(x.TPT + LN - q) * sizeof(double));
    for (int l = 0; l < LN; l++) {
        ln[l].work = work + (size_t)l * ws;
    }
    ERK_COEFFICIENTS(tsit);
    double *restrict Y = x.Y, *restrict YN = x.YN, *restrict YT = x.YT;
    double *restrict K1 = x.K[1], *restrict K2 = x.K[2], *restrict K3 = x.K[3];
    double *restrict K4 = x.K[4], *restrict K5 = x.K[5], *restrict K6 = x.K[6];
    double *restrict K7 = x.K[7];
    const double *PP = x.PP, *UU = x.UU;

    for (;;) {
        double T[LN], H[LN], TL[LN], TT[LN], EN[LN], HL[LN];
        int any = 0;
        for (int l = 0; l < LN; l++) {
            lane_prepare(&x, &ln[l], l);
            any |= ln[l].stepping;
            T[l] = ln[l].stepping ? ln[l].t : 0.0;
            H[l] = ln[l].stepping ? ln[l].h : 0.0;
            TL[l] = ln[l].stepping && ln[l].last ? ln[l].tb : T[l] + H[l];
        }
        if (!any) {
            break;
        }
        /* the stages: the scalar erk_interval's arithmetic, lane by lane */
        lane_times(TT, T, H, c2);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * a21 * K1[a]);
        m->rhs_lanes(TT, YT, PP, UU, K2);
        lane_times(TT, T, H, c3);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a31 * K1[a] + a32 * K2[a]));
        m->rhs_lanes(TT, YT, PP, UU, K3);
        lane_times(TT, T, H, c4);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a41 * K1[a] + a42 * K2[a] + a43 * K3[a]));
        m->rhs_lanes(TT, YT, PP, UU, K4);
        lane_times(TT, T, H, c5);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a51 * K1[a] + a52 * K2[a] + a53 * K3[a]
                                                    + a54 * K4[a]));
        m->rhs_lanes(TT, YT, PP, UU, K5);
        FOR_STATES_AND_LANES(YT[a] = Y[a] + H[l] * (a61 * K1[a] + a62 * K2[a] + a63 * K3[a]
                                                    + a64 * K4[a] + a65 * K5[a]));
        m->rhs_lanes(TL, YT, PP, UU, K6);
        if (tsit) {
            FOR_STATES_AND_LANES(YN[a] = Y[a] + H[l] * (a71 * K1[a] + TA72 * K2[a] + a73 * K3[a]
                                                        + a74 * K4[a] + a75 * K5[a]
                                                        + a76 * K6[a]));
        }
        else {
            FOR_STATES_AND_LANES(YN[a] = Y[a] + H[l] * (a71 * K1[a] + a73 * K3[a] + a74 * K4[a]
                                                        + a75 * K5[a] + a76 * K6[a]));
        }
        m->rhs_lanes(TL, YN, PP, UU, K7);
        if (is_auto) {
            double num[LN], den[LN];
            for (int l = 0; l < LN; l++) num[l] = den[l] = 0.0;
            FOR_STATES_AND_LANES(num[l] += (K7[a] - K6[a]) * (K7[a] - K6[a]);
                                 den[l] += (YN[a] - YT[a]) * (YN[a] - YT[a]));
            for (int l = 0; l < LN; l++) {
                HL[l] = (den[l] > 0.0) ? H[l] * sqrt(num[l] / den[l]) : 0.0;
            }
        }
        /* the error norm (err_norm's arithmetic) */
        for (int l = 0; l < LN; l++) EN[l] = 0.0;
        for (size_t i = 0; i < S; i++) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const size_t a = i * LN + (size_t)l;
                double e;
                if (tsit) {
                    e = H[l] * (TE1 * K1[a] + TE2 * K2[a] + TE3 * K3[a] + TE4 * K4[a]
                                + TE5 * K5[a] + TE6 * K6[a] + TE7 * K7[a]);
                }
                else {
                    e = H[l] * (E1 * K1[a] + E3 * K3[a] + E4 * K4[a] + E5 * K5[a]
                                + E6 * K6[a] + E7 * K7[a]);
                }
                const double ya = fabs(Y[a]), yb = fabs(YN[a]);
                const double sc = atol + rtol * (ya > yb ? ya : yb);
                const double qq = e / sc;
                EN[l] += qq * qq;
            }
        }
        /* which lanes accept, and whether any needs the dense output */
        int acc[LN], dense_any = 0;
        for (int l = 0; l < LN; l++) {
            const double err = sqrt(EN[l] / (double)S);
            EN[l] = err;
            acc[l] = ln[l].stepping && err <= 1.0;
            if (acc[l]) {
                const double tnew = ln[l].last ? ln[l].tb : ln[l].t + ln[l].h;
                dense_any |= pb->summary != NULL
                             || (ln[l].s.iout < pb->n_times && pb->t_out[ln[l].s.iout] < tnew);
            }
        }
        if (dense_any) {
            double *restrict R0 = x.R[0], *restrict R1 = x.R[1], *restrict R2 = x.R[2];
            double *restrict R3 = x.R[3], *restrict R4 = x.R[4];
            for (size_t j = 0; j < nd; j++) {
                const size_t i = oidx ? (size_t)oidx[j] : j;
#pragma omp simd
                for (int l = 0; l < LN; l++) {
                    const size_t a = i * LN + (size_t)l, b = j * LN + (size_t)l;
                    R0[b] = Y[a];
                    if (tsit) {
                        R2[b] = H[l] * (TP[0][0] * K1[a] + TP[0][1] * K2[a] + TP[0][2] * K3[a]
                                        + TP[0][3] * K4[a] + TP[0][4] * K5[a]
                                        + TP[0][5] * K6[a] + TP[0][6] * K7[a]);
                        R3[b] = H[l] * (TP[1][0] * K1[a] + TP[1][1] * K2[a] + TP[1][2] * K3[a]
                                        + TP[1][3] * K4[a] + TP[1][4] * K5[a]
                                        + TP[1][5] * K6[a] + TP[1][6] * K7[a]);
                        R4[b] = H[l] * (TP[2][0] * K1[a] + TP[2][1] * K2[a] + TP[2][2] * K3[a]
                                        + TP[2][3] * K4[a] + TP[2][4] * K5[a]
                                        + TP[2][5] * K6[a] + TP[2][6] * K7[a]);
                        R1[b] = H[l] * K1[a];
                    }
                    else {
                        const double ydiff = YN[a] - Y[a];
                        const double bspl = H[l] * K1[a] - ydiff;
                        R1[b] = ydiff;
                        R2[b] = bspl;
                        R3[b] = ydiff - H[l] * K7[a] - bspl;
                        R4[b] = H[l] * (D1 * K1[a] + D3 * K3[a] + D4 * K4[a] + D5 * K5[a]
                                        + D6 * K6[a] + D7 * K7[a]);
                    }
                }
            }
        }
        /* each lane's step control, outputs and summary: the scalar code */
        for (int l = 0; l < LN; l++) {
            lane *ls = &ln[l];
            if (!ls->stepping) {
                continue;
            }
            subject *s = &ls->s;
            const double h = ls->h, t = ls->t, err = EN[l];
            s->n_rhs += 6;
            const double le = log(maxd(err, 1e-300));
            if (!acc[l]) {
                s->n_rej++;
                s->h = pi_rejected(err, le, h);
                ls->reject = 1;
                continue;
            }
            s->n_acc++;
            const double tnew = ls->last ? ls->tb : t + h;
            lane_emit_inside(&x, s, l, t, h, tnew, tsit);
            if (pb->summary != NULL) {
                for (size_t j = 0; j < nd; j++) {
                    const size_t i = oidx ? (size_t)oidx[j] : j;
                    for (int r = 0; r < 5; r++) {
                        s->r[r][i] = x.R[r][j * LN + (size_t)l];
                    }
                }
                col_get(YN, S, l, s->ynew);
                sm_step(s, t, tnew - t, s->ynew, tsit ? ts5_dense_at : dp5_dense_at);
            }
            const double hnew = pi_accepted(s, le, h, ls->reject);
            ls->reject = 0;
            if (is_auto) {
                s->stiff_hl = HL[l];
                if (auto_stiffness(s, h, tnew) != ENDO_OK) {
                    ls->status = ENDO_STIFF;
                    ls->stepping = 0;
                    acc[l] = 0;
                    continue;
                }
            }
            ls->t = tnew;
            int finite = 1;
            for (size_t i = 0; i < S; i++) {
                finite &= isfinite(YN[i * LN + (size_t)l]) != 0;
            }
            if (!finite) {
                ls->status = ENDO_NONFINITE;
                ls->stepping = 0;
                acc[l] = 0;
                continue;
            }
            if (tnew < ls->tb && s->iout < pb->n_times && pb->t_out[s->iout] == tnew) {
                col_get(YN, S, l, s->y);
                while (s->iout < pb->n_times && pb->t_out[s->iout] == tnew) {
                    emit(s, tnew, s->y);
                }
            }
            s->h = ls->last ? fmax(hnew, s->h) : hnew;
            if (ls->last) {
                /* the interval is done: its events run scalar, from s->y */
                col_get(YN, S, l, s->y);
                ls->c.t = ls->tb;
                ls->stepping = 0;
            }
        }
        /* accepted lanes move on: y = ynew, k1 = k7 (FSAL) */
        double keep[LN];
        for (int l = 0; l < LN; l++) keep[l] = acc[l] ? 0.0 : 1.0;
        for (size_t i = 0; i < S; i++) {
#pragma omp simd
            for (int l = 0; l < LN; l++) {
                const size_t a = i * LN + (size_t)l;
                Y[a] = keep[l] != 0.0 ? Y[a] : YN[a];
                K1[a] = keep[l] != 0.0 ? K1[a] : K7[a];
            }
        }
    }
}

ENDO_CLONES static void lanes_dp5(const endo_problem *pb, endo_next_fn next, void *ctx,
                                      double *work)
{
    lanes_run(pb, next, ctx, work, 0);
}

ENDO_CLONES static void lanes_ts5(const endo_problem *pb, endo_next_fn next, void *ctx,
                                      double *work)
{
    lanes_run(pb, next, ctx, work, 1);
}

void endo_integrate_lanes(const endo_problem *pb, endo_next_fn next, void *ctx, double *work)
{
    if (pb->tsit5) {
        lanes_ts5(pb, next, ctx, work);
    }
    else {
        lanes_dp5(pb, next, ctx, work);
    }
}
