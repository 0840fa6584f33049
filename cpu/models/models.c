/* The table of CPU models. */
#include <string.h>

#include "models/cpu_model.h"

extern const cpu_model cpu_model_cortex_a53, cpu_model_cortex_a8;

const cpu_model *const cpu_models[] = {&cpu_model_cortex_a53, &cpu_model_cortex_a8, NULL};

const cpu_model *cpu_model_find(const char *name) {
    for (const cpu_model *const *m = cpu_models; name && *m; m++)
        if (strcmp((*m)->name, name) == 0) return *m;
    return NULL;
}
