/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The user's side of the guest console (console.c): where COM1's output
 * goes, and the terminal input fed to it from the main thread, with the
 * Ctrl-A x escape on a terminal.
 */
#ifndef HYV_RUN_CONSOLE_H
#define HYV_RUN_CONSOLE_H

#include "vmm.h"

#define CONSOLE_ESCAPE		0x01	/* Ctrl-A */

/* The fd COM1 writes to (-1: none); exits with status 2 on a bad file. */
int console_open_output(const struct hyv_options *opts);
/* Put a terminal stdin in raw mode (restored at exit). */
void console_setup_input(const struct hyv_options *opts);
void console_restore(void);
/* The fd to poll for input, or -1. */
int console_input_fd(void);
/*
 * Read what is there and feed COM1. Returns false when the user typed
 * the escape to quit; stops polling at end of input.
 */
bool console_pump(struct vmm *vmm);

#endif /* HYV_RUN_CONSOLE_H */
