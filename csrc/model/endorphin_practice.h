/*
 * endorphin_practice.h -- internal to csrc/model: practice over weeks (docs/model.md,
 * "Practice over weeks").  The training load, fitness (VO2max), the exercise and
 * meditation practice states and fibromyalgia's post-exercise flare; the absolute
 * exercise workload (input exercise_vo2) read with the current VO2max.
 *
 * Every function takes its arrays with a stride (1 for one subject; ENDO_LANES for a
 * lane of the lane RHS, with the pointers offset to the lane), so that the scalar and
 * the lane right-hand sides do the same arithmetic, operation for operation.
 */
#ifndef ENDORPHIN_PRACTICE_H
#define ENDORPHIN_PRACTICE_H

#include "endorphin_model_impl.h"

#include <stddef.h>

#define PR_Y(i) y[(size_t)(i) * st]
#define PR_P(j) p[(size_t)(j) * st]
#define PR_U(k) u[(size_t)(k) * st]

/* the current VO2max, vo2max_base (1 + F) */
static inline double pr_vo2max(const double *y, const double *p, size_t st)
{
    return PR_P(EM_P_VO2MAX_BASE) * (1.0 + PR_Y(EM_Y_FITNESS));
}

/* x: the exercise channel's input, the relative intensity u_exercise + exercise_vo2 /
 * VO2max (the workload term only when a workload is given, so that u_exercise alone
 * passes bit for bit) */
static inline double pr_exercise_x(const double *y, const double *p, const double *u,
                                   size_t st)
{
    const double w = PR_U(EM_U_EXERCISE_VO2);
    if (!(w > 0.0)) {
        return PR_U(EM_U_EXERCISE);
    }
    return PR_U(EM_U_EXERCISE) + w / pr_vo2max(y, p, st);
}

/* the derivatives of the practice states, and the central opioid tone of exercise
 * practice added to dC_h/dt (after the rest of the model has written it) */
static inline void pr_rhs(const double *y, const double *p, const double *u, double x,
                          double *dy, size_t st)
{
    const double xp = x > 0.0 ? x : 0.0;
    const double L = PR_Y(EM_Y_TRAINING_LOAD), F = PR_Y(EM_Y_FITNESS);
    const double Px = PR_Y(EM_Y_PRACTICE_EXERCISE), Pm = PR_Y(EM_Y_PRACTICE_MEDITATION);
    const double um = PR_U(EM_U_MEDITATION) > 0.0 ? PR_U(EM_U_MEDITATION) : 0.0;
    const double gate = xp > 0.0 ? 0.0 : 1.0;     /* fitness adapts between sessions */
    dy[(size_t)EM_Y_TRAINING_LOAD * st] = xp - L / PR_P(EM_P_TAU_LOAD);
    dy[(size_t)EM_Y_FITNESS * st] = gate * PR_P(EM_P_K_FITNESS) * L * (PR_P(EM_P_FITNESS_MAX) - F)
                                    - F / PR_P(EM_P_TAU_DETRAIN);
    dy[(size_t)EM_Y_PRACTICE_EXERCISE * st] = PR_P(EM_P_K_PRACTICE_EXERCISE) * L * (1.0 - Px)
                                              - Px / PR_P(EM_P_TAU_PRACTICE_EXERCISE);
    dy[(size_t)EM_Y_PRACTICE_MEDITATION * st] = PR_P(EM_P_K_PRACTICE_MEDITATION) * um * (1.0 - Pm)
                                                - Pm / PR_P(EM_P_TAU_PRACTICE_MEDITATION);
    dy[(size_t)EM_Y_EXERCISE_FLARE * st] = PR_P(EM_P_FLARE_RATE) * xp * (1.0 - Px)
                                           - PR_Y(EM_Y_EXERCISE_FLARE) / PR_P(EM_P_TAU_FLARE);
    dy[(size_t)EM_Y_BEND_CSF * st] += LN2 / PR_P(EM_P_T_HALF_CSF) * PR_P(EM_P_BEND_CSF_BASE)
                                      * PR_P(EM_P_PRACTICE_EXERCISE_OPIOID) * Px;
}

/* the trained non-opioid analgesia: the factor (1 - g_x P_x)(1 - g_m P_m) of 1 - a_non */
static inline double pr_nonopioid_factor(const double *y, const double *p, size_t st)
{
    double px = PR_Y(EM_Y_PRACTICE_EXERCISE), pm = PR_Y(EM_Y_PRACTICE_MEDITATION);
    px = px < 0.0 ? 0.0 : (px > 1.0 ? 1.0 : px);
    pm = pm < 0.0 ? 0.0 : (pm > 1.0 ? 1.0 : pm);
    return (1.0 - PR_P(EM_P_PRACTICE_EXERCISE_NONOPIOID) * px)
           * (1.0 - PR_P(EM_P_PRACTICE_MEDITATION_NONOPIOID) * pm);
}

/* the practice factor on both HADS scores, (1 - m_x P_x)(1 - m_m P_m) */
static inline double pr_mood_factor(const double *y, const double *p, size_t st)
{
    double px = PR_Y(EM_Y_PRACTICE_EXERCISE), pm = PR_Y(EM_Y_PRACTICE_MEDITATION);
    px = px < 0.0 ? 0.0 : (px > 1.0 ? 1.0 : px);
    pm = pm < 0.0 ? 0.0 : (pm > 1.0 ? 1.0 : pm);
    return (1.0 - PR_P(EM_P_PRACTICE_EXERCISE_MOOD) * px)
           * (1.0 - PR_P(EM_P_PRACTICE_MEDITATION_MOOD) * pm);
}

/* the flare's factor on pain, 1 + max(H, 0) */
static inline double pr_flare_factor(const double *y, size_t st)
{
    const double h = PR_Y(EM_Y_EXERCISE_FLARE);
    return 1.0 + (h > 0.0 ? h : 0.0);
}

#undef PR_Y
#undef PR_P
#undef PR_U

#endif /* ENDORPHIN_PRACTICE_H */
