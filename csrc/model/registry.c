/*
 * registry.c -- the models the engine knows by name (see models.h).
 *
 * Built in: the endorphin model and its drug-slot variants
 * (endorphin_model.c, endorphin_rest.c) and the library models (library.c).  Other
 * extensions add theirs at run time through endorphin._integrate's capsule
 * (csrc/glue/engine_api.h): the test models of endorphin._engine_tests.
 */
#include "models.h"
#include "endorphin_model.h"

#include <string.h>

extern const endo_model *const endo_library_models[];   /* library.c */

/* Room for the built-in models and the run-time registrations. */
#define ENDO_MAX_MODELS 64

static const endo_model *registry[ENDO_MAX_MODELS];
static int n_registered = -1;       /* -1: the built-in models are not listed yet */

static void list_builtins(void)
{
    if (n_registered >= 0) {
        return;
    }
    static const endo_model *const endorphin[] = {
        &endo_endorphin_model, &endo_endorphin_d1, &endo_endorphin_d2, &endo_endorphin_d3,
        &endo_endorphin_d4,
    };
    n_registered = 0;
    for (size_t i = 0; i < sizeof endorphin / sizeof endorphin[0]; i++) {
        registry[n_registered++] = endorphin[i];
    }
    for (int i = 0; endo_library_models[i] != NULL; i++) {
        registry[n_registered++] = endo_library_models[i];
    }
}

int endo_model_count(void)
{
    list_builtins();
    return n_registered;
}

const endo_model *endo_model_at(int i)
{
    list_builtins();
    return (i >= 0 && i < n_registered) ? registry[i] : NULL;
}

const endo_model *endo_find_model(const char *name)
{
    list_builtins();
    for (int i = 0; i < n_registered; i++) {
        if (strcmp(registry[i]->name, name) == 0) {
            return registry[i];
        }
    }
    return NULL;
}

int endo_register_model(const endo_model *m)
{
    const endo_model *known = endo_find_model(m->name);
    if (known != NULL) {
        return known == m ? 0 : -1;
    }
    if (n_registered >= ENDO_MAX_MODELS) {
        return -2;
    }
    registry[n_registered++] = m;
    return 0;
}
