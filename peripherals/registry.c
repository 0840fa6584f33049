/* The table of device types, in the order --list-devices shows them. */
#include <string.h>

#include "peripherals/registry.h"

extern const dev_type bcm2835_aux_type;
extern const dev_type pl011_type;
extern const dev_type bcm2836_local_intc_type;
extern const dev_type bcm2835_armctrl_ic_type;
extern const dev_type bcm2835_systimer_type;
extern const dev_type bcm2835_cprman_type;
extern const dev_type bcm2835_pm_type;
extern const dev_type bcm2835_rng_type;
extern const dev_type bcm2835_thermal_type;
extern const dev_type bcm2835_gpio_type;
extern const dev_type bcm2835_mailbox_type;
extern const dev_type bcm2835_dma_type;
extern const dev_type bcm2835_sdhost_type;
extern const dev_type bcm2835_sdhci_type;
extern const dev_type dwc2_type;

static const dev_type *const device_types[] = {
    &bcm2835_aux_type,
    &pl011_type,
    &bcm2836_local_intc_type,
    &bcm2835_armctrl_ic_type,
    &bcm2835_systimer_type,
    &bcm2835_cprman_type,
    &bcm2835_pm_type,
    &bcm2835_rng_type,
    &bcm2835_thermal_type,
    &bcm2835_gpio_type,
    &bcm2835_mailbox_type,
    &bcm2835_dma_type,
    &bcm2835_sdhost_type,
    &bcm2835_sdhci_type,
    &dwc2_type,
};

#define N_DEVICE_TYPES (sizeof device_types / sizeof device_types[0])

const dev_type *dev_type_find(const char *name) {
    for (unsigned i = 0; i < N_DEVICE_TYPES; i++)
        if (strcmp(device_types[i]->name, name) == 0) return device_types[i];
    return NULL;
}

unsigned dev_type_count(void) {
    return N_DEVICE_TYPES;
}

const dev_type *dev_type_at(unsigned index) {
    return index < N_DEVICE_TYPES ? device_types[index] : NULL;
}
