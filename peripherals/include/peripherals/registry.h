/* The device types socemu can build, by the name board files use ("pl011", "bcm2835-aux").
 * One explicit table in registry.c: adding a device means adding one line there. */
#ifndef PERIPHERALS_REGISTRY_H
#define PERIPHERALS_REGISTRY_H

#include "soc/device.h"

/* NULL if no type has that name. */
const dev_type *dev_type_find(const char *name);
unsigned dev_type_count(void);
/* NULL past the end. */
const dev_type *dev_type_at(unsigned index);

#endif
