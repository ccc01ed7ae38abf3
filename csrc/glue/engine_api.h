/*
 * engine_api.h -- the C API endorphin._integrate exports to other extensions,
 * as the capsule ENDO_ENGINE_CAPSULE (a pointer to one endo_engine_api).
 *
 * An extension that brings its own models (endorphin._engine_tests) imports
 * the capsule with PyCapsule_Import and registers them; endorphin.core.models
 * then lists them (the engine calls the callbacks core registered with
 * _integrate._on_register).  Call every function with the GIL held.
 */
#ifndef ENDORPHIN_ENGINE_API_H
#define ENDORPHIN_ENGINE_API_H

#include <stddef.h>

#include "models.h"

#define ENDO_ENGINE_CAPSULE "endorphin._integrate._engine_api"
#define ENDO_ENGINE_API_VERSION 1

typedef struct {
    int version;                /* ENDO_ENGINE_API_VERSION */
    size_t model_size;          /* sizeof(endo_model) the engine was built with */
    int lanes;                  /* ENDO_LANES */
    /* Register the NULL-terminated models (the caller stays loaded): 0, or -1
     * with a Python exception set.  Tells endorphin.core afterwards. */
    int (*register_models)(const endo_model *const *models);
    /* The model called name (built in or registered), or NULL. */
    const endo_model *(*find_model)(const char *name);
} endo_engine_api;

#endif /* ENDORPHIN_ENGINE_API_H */
