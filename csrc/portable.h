/*
 * portable.h -- compiler spellings the C core needs beyond ISO C11 (docs/building.md).
 *
 * ENDO_ALWAYS_INLINE: force inlining where gcc and clang allow it (the kernels rely on
 * it so that each target_clones clone and each SIMD variant gets its own copy); other
 * compilers (MSVC) keep the plain `inline` hint beside it.
 */
#ifndef ENDORPHIN_PORTABLE_H
#define ENDORPHIN_PORTABLE_H

#if defined(__GNUC__) || defined(__clang__)
#define ENDO_ALWAYS_INLINE __attribute__((always_inline))
#else
#define ENDO_ALWAYS_INLINE
#endif

#endif /* ENDORPHIN_PORTABLE_H */
