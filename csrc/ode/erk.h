/*
 * erk.h -- the explicit Runge-Kutta pairs of the engine, as the inline pieces
 * erk.c (one subject) and lanes.c (subjects side by side) both build on: the
 * tableaux, the dense output, the start of an interval and the PI step control.
 *
 * The Butcher tableau and error coefficients are those of Dormand & Prince
 * (1980), J Comput Appl Math 6:19-26; the dense output (continuous extension
 * of order 4) and the PI controller (beta = 0.04, safety 0.9, step ratio in
 * [0.2, 10]) and the initial-step heuristic follow Hairer, Norsett & Wanner,
 * Solving ODEs I, 2nd ed., sections II.4-II.6 (their DOPRI5 code).
 */
#ifndef ENDORPHIN_ODE_ERK_H
#define ENDORPHIN_ODE_ERK_H

#include "../portable.h"
#include "internal.h"

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

/* r0 + a (r1 + b (r2 + a (r3 + b r4))) of the last accepted step into ytmp:
 * only the states the model's output function reads (the others keep
 * whatever ytmp held; the output function does not look at them). */
static inline ENDO_ALWAYS_INLINE void interpolate(subject *s, double a, double b)
{
    const int *idx = s->m->output_states;
    const size_t n = idx ? (size_t)s->m->n_output_states : s->S;
    for (size_t j = 0; j < n; j++) {
        const size_t i = idx ? (size_t)idx[j] : j;
        s->ytmp[i] = s->r[0][i] + a * (s->r[1][i] + b * (s->r[2][i]
                     + a * (s->r[3][i] + b * s->r[4][i])));
    }
}

/* Dense output at theta in (0, 1) of the last accepted step, into ytmp
 * (the states the outputs read). */
static inline ENDO_ALWAYS_INLINE void dense(subject *s, double theta)
{
    interpolate(s, theta, 1.0 - theta);
}

/* Tsit5 interpolant at theta into ytmp (the states the outputs read):
 * r0 = y, r1..r4 = h sum_i TP_m[i] k_i */
static inline ENDO_ALWAYS_INLINE void dense_poly(subject *s, double theta)
{
    interpolate(s, theta, theta);
}

/* The start of an interval [ta, tb]: k1 at ta (no FSAL across an event) and
 * the step size to try first. */
static inline ENDO_ALWAYS_INLINE void erk_begin(subject *s, double ta, double tb)
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
        s->h = ode_initial_step(s, ta, tb - ta);
    }
}

/* The next step from t towards tb: its size, whether it lands on tb, or a
 * failure status. */
static inline ENDO_ALWAYS_INLINE int
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
static inline ENDO_ALWAYS_INLINE double
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
static inline ENDO_ALWAYS_INLINE double
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
static inline ENDO_ALWAYS_INLINE int auto_stiffness(subject *s, double h,
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

#endif /* ENDORPHIN_ODE_ERK_H */
