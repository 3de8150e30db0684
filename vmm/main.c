// SPDX-License-Identifier: GPL-2.0
/*
 * hyv-run: boot an unmodified Linux bzImage as a guest of hyv.ko.
 * main() checks the options and the kernel before it touches /dev/hyv,
 * builds the machine (memory, devices, ACPI tables, boot state), starts
 * a thread per vCPU, and then feeds console input and waits for the VM
 * to end: guest poweroff or reset, a triple fault, a fatal error, or a
 * signal. The exit statuses are in util.h and docs/hyv-run.md.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include <hyv/layout.h>
#include "vmm.h"
#include "accel.h"
#include "console.h"
#include "acpi/acpi.h"
#include "boot/boot.h"
#include "devices/ioapic.h"
#include "devices/pci.h"
#include "devices/platform.h"
#include "devices/pv.h"
#include "devices/serial.h"

#define MAX_KERNEL_SIZE		(256ULL << 20)
#define MAX_INITRD_SIZE		(2ULL << 30)

struct boot_files {
	u8 *kernel, *initrd;
	size_t kernel_size, initrd_size;
	struct bzimage bz;
};

/* Everything about the files that can be bad, before any VM exists. */
static void load_files(const struct hyv_options *o, struct boot_files *f)
{
	const char *why;
	char size[32];
	int err;

	err = hyv_read_file(o->kernel, MAX_KERNEL_SIZE, &f->kernel, &f->kernel_size);
	if (err)
		hyv_die(HYV_RUN_EXIT_USAGE, "--kernel %s: %s", o->kernel,
			err == -EINVAL ? "not a regular file" : strerror(-err));
	if (bzimage_parse(&f->bz, f->kernel, f->kernel_size, &why))
		hyv_die(HYV_RUN_EXIT_USAGE, "--kernel %s: %s", o->kernel, why);
	if (o->initrd) {
		err = hyv_read_file(o->initrd, MAX_INITRD_SIZE, &f->initrd,
				    &f->initrd_size);
		if (err)
			hyv_die(HYV_RUN_EXIT_USAGE, "--initrd %s: %s", o->initrd,
				err == -EINVAL ? "not a regular file" : strerror(-err));
	}
	if (bzimage_min_mem(&f->bz, f->initrd_size) > MIN(o->mem_size, HYV_LAYOUT_LOW_RAM_MAX)) {
		snprintf(size, sizeof(size), "%lluM",
			 (unsigned long long)bzimage_min_mem(&f->bz, f->initrd_size) >> 20);
		hyv_die(HYV_RUN_EXIT_USAGE,
			"--mem %lluM: too small for this kernel%s (at least %s)",
			(unsigned long long)o->mem_size >> 20,
			o->initrd ? " and initrd" : "", size);
	}
}

/*
 * The user's command line plus what this platform needs Linux to know
 * (docs/hyv-run.md, "Time"), each unless the user said otherwise: the
 * TSC frequency, since a guest without PIT, HPET or PM timer cannot
 * measure it; and that the TSC is reliable: the only clock Linux could
 * check it against is jiffies, ticked by the TSC-deadline timer itself,
 * and under host load a late tick made Linux drop the TSC for jiffies.
 */
static void compose_cmdline(const struct vmm *vmm, char *buf, size_t size)
{
	const struct hyv_options *o = vmm->opts;
	size_t n;

	n = snprintf(buf, size, "%s", o->cmdline);
	if (!o->platform_cmdline)
		return;
	if (vmm->tsc_khz && !strstr(o->cmdline, "tsc_early_khz=") && n < size)
		n += snprintf(buf + n, size - n, " tsc_early_khz=%u", vmm->tsc_khz);
	if (!strstr(o->cmdline, "tsc=") && n < size)
		n += snprintf(buf + n, size - n, " tsc=reliable");
}

static void create_devices(struct vmm *vmm)
{
	int out = console_open_output(vmm->opts);

	vmm->ioapic = ioapic_create(vmm);
	vmm->com1 = serial_create(vmm, HYV_PORT_COM1, HYV_IRQ_COM1, out);
	vmm->pci = pci_create(vmm);
	if (!vmm->ioapic || !vmm->com1 || !vmm->pci || rtc_create(vmm) ||
	    i8042_create(vmm) || pm_create(vmm) || pit_create(vmm))
		hyv_die(HYV_RUN_EXIT_ERROR, "cannot create the devices");
	pv_create_all(vmm);
}

static void build_guest(struct vmm *vmm, struct boot_files *f,
			struct hyv_regs *regs, struct hyv_sregs *sregs)
{
	char cmdline[HYV_LAYOUT_CMDLINE_MAX];
	struct acpi_tables acpi;
	struct boot_info info;
	const char *why;

	if (acpi_build(&vmm->mem, vmm->nr_vcpus, &acpi))
		hyv_die(HYV_RUN_EXIT_ERROR, "the ACPI tables do not fit");
	compose_cmdline(vmm, cmdline, sizeof(cmdline));
	if (bzimage_load(&f->bz, &vmm->mem, f->initrd, f->initrd_size, cmdline,
			 acpi.rsdp, &info, &why))
		hyv_die(HYV_RUN_EXIT_USAGE, "%s", why);
	longmode_build_tables(&vmm->mem);
	resetvec_build(&vmm->mem);
	longmode_boot_sregs(sregs);
	longmode_boot_regs(regs, &info);
	hyv_info("kernel at %#llx (entry %#llx), initrd %llu bytes at %#llx",
		 (unsigned long long)f->bz.load_addr, (unsigned long long)info.entry,
		 (unsigned long long)info.initrd_size,
		 (unsigned long long)info.initrd_addr);
	hyv_info("command line: %s", cmdline);
	free(f->kernel);
	free(f->initrd);
}

/* Block the ending signals in every thread; the main thread reads them here. */
static int signals_setup(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGURG);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (fd < 0)
		hyv_die_errno(HYV_RUN_EXIT_ERROR, "signalfd");
	return fd;
}

/*
 * SIGUSR2: the exit and PV counters now, for a test or benchmark that
 * measures a phase of the guest's run (the difference of two snapshots).
 */
static void print_snapshot(struct vmm *vmm)
{
	static unsigned int n;

	fprintf(stderr, "hyv-run: snapshot %u at %llu ms\n", n++,
		(unsigned long long)(hyv_now_ns() - vmm->start_ns) / 1000000);
	vmm->accel->print_stats(vmm);
	pv_print_stats(vmm);
}

/* Feed the console and wait until something ends the VM. */
static void main_loop(struct vmm *vmm, int sig_fd)
{
	while (!vmm_stopping(vmm)) {
		struct pollfd p[3] = {
			{ .fd = vmm->stop_fd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = console_input_fd(), .events = POLLIN },
		};
		/* Input waiting for room in the UART: look again soon. */
		int timeout = p[2].fd < 0 ? 10 : -1;

		if (poll(p, 3, timeout) < 0 && errno != EINTR)
			hyv_die_errno(HYV_RUN_EXIT_ERROR, "poll");
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sig_fd, &si, sizeof(si)) != sizeof(si))
				si.ssi_signo = 0;
			if (si.ssi_signo == SIGUSR2)
				print_snapshot(vmm);
			else if (si.ssi_signo == SIGURG)
				pv_toggle_links(vmm);
			else if (si.ssi_signo)
				vmm_request_exit(vmm, HYV_RUN_EXIT_SIGNAL + si.ssi_signo);
		}
		/* Input is read only when there is some: never block here. */
		if ((p[2].fd < 0 || (p[2].revents & (POLLIN | POLLHUP | POLLERR))) &&
		    !console_pump(vmm))
			vmm_request_exit(vmm, HYV_RUN_EXIT_SIGNAL + SIGINT);
	}
}

int main(int argc, char **argv)
{
	struct vmm vmm = { .dev_fd = -1, .vm_fd = -1 };
	struct hyv_options opts;
	struct boot_files files = { 0 };
	struct hyv_regs regs;
	struct hyv_sregs sregs;
	int ret, sig_fd, status;

	ret = hyv_options_parse(&opts, argc, argv, stdout, stderr);
	if (ret)
		return ret < 0 ? HYV_RUN_EXIT_USAGE : 0;
	hyv_verbose = opts.verbose;
	load_files(&opts, &files);

	sig_fd = signals_setup();
	vmm.start_ns = hyv_now_ns();
	vmm_open(&vmm, &opts);
	create_devices(&vmm);
	vcpus_create(&vmm);
	build_guest(&vmm, &files, &regs, &sregs);
	vcpus_boot_state(&vmm, &regs, &sregs);
	console_setup_input(&opts);
	vcpus_start(&vmm);

	main_loop(&vmm, sig_fd);
	vcpus_stop(&vmm);
	console_restore();
	status = atomic_load(&vmm.exit_status);
	if (opts.stats || opts.verbose)
		vmm_print_stats(&vmm);
	pv_destroy_all(&vmm);
	hyv_info("exit status %d after %llu ms", status,
		 (unsigned long long)(hyv_now_ns() - vmm.start_ns) / 1000000);
	vcpus_destroy(&vmm);
	vmm_close(&vmm);
	return status;
}
