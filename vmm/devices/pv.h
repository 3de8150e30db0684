/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hyv-run's PV devices: each --disk and --net becomes a PCI function on
 * hyv-run's bus whose registers are vmm/pv's transport and whose
 * requests vmm/pv's backends serve from their own threads, woken by
 * doorbell eventfds and answering through irqfds (devices/pv.c).
 */
#ifndef HYV_RUN_PV_H
#define HYV_RUN_PV_H

#include "../vmm.h"

/* Create every PV device the options name; exits (status 2) on bad input. */
void pv_create_all(struct vmm *vmm);
/* One line per device: requests, packets, doorbells, interrupts. */
void pv_print_stats(struct vmm *vmm);
/* SIGURG: each network device's link down if it is up, else up. */
void pv_toggle_links(struct vmm *vmm);
/* Stop the devices' threads; before guest memory goes. */
void pv_destroy_all(struct vmm *vmm);

#endif /* HYV_RUN_PV_H */
