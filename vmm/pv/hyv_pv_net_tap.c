// SPDX-License-Identifier: GPL-2.0
/*
 * The TAP side of the hyv PV network backend: open one queue of a TAP
 * device per queue pair (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
 * IFF_MULTI_QUEUE, a 12-byte vnet header), attach and detach queues as
 * the guest changes its active pairs, and tell the TAP which receive
 * offloads the guest takes. Nothing else on the host is touched: the
 * TAP is created only if it does not exist and the VMM may, and its
 * addresses, bridge and MTU are the administrator's (docs/pvnet.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "hyv_pv_net_int.h"

#define HYV_TAP_FLAGS	(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)

static const char hyv_pv_net_tap_perm_hint[] =
	" (create it first: ip tuntap add dev NAME mode tap multi_queue vnet_hdr user $USER)";

static const char *hyv_pv_net_tap_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return hyv_pv_net_tap_perm_hint;
	case EINVAL:
		return " (it exists without multi_queue or vnet_hdr, or is a TUN)";
	case EBUSY:
		return " (another process holds it without IFF_MULTI_QUEUE)";
	default:
		return "";
	}
}

static int hyv_pv_net_tap_open_queue(const char *name, char *err,
				     size_t errlen)
{
	struct ifreq ifr;
	int fd, hdr_size = HYV_PVNET_HDR_SIZE, ret;
	unsigned int features;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return ret;
	}
	if (ioctl(fd, TUNGETFEATURES, &features) ||
	    (features & HYV_TAP_FLAGS) != HYV_TAP_FLAGS) {
		snprintf(err, errlen, "/dev/net/tun lacks vnet_hdr/multi_queue");
		close(fd);
		return -EOPNOTSUPP;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = HYV_TAP_FLAGS;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		ret = -errno;
		snprintf(err, errlen, "TAP %s: %s%s", name, strerror(errno),
			 hyv_pv_net_tap_hint(errno));
		close(fd);
		return ret;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_size)) {
		ret = -errno;
		snprintf(err, errlen, "TAP %s: TUNSETVNETHDRSZ: %s", name,
			 strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}

static unsigned int hyv_pv_net_tap_get_mtu(const char *name)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned int mtu = 1500;

	if (s < 0)
		return mtu;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(s, SIOCGIFMTU, &ifr) && ifr.ifr_mtu >= HYV_PVNET_MIN_MTU &&
	    ifr.ifr_mtu <= HYV_PVNET_MAX_MTU)
		mtu = ifr.ifr_mtu;
	close(s);
	return mtu;
}

/* The kernel's rules for an interface name (dev_valid_name()). */
static bool hyv_pv_net_tap_name_ok(const char *name)
{
	const char *p;

	if (!name[0] || strlen(name) >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/**
 * hyv_pv_net_tap_open - open @nqueues queues of the TAP @name
 * @name: interface name (at most IFNAMSIZ - 1 bytes)
 * @nqueues: one per queue pair
 * @fds: filled with the queues' fds (non-blocking, attached)
 * @mtu: the TAP's MTU
 * @err: a message on failure
 * @errlen: its room
 *
 * Return: 0 or -errno (nothing stays open).
 */
int hyv_pv_net_tap_open(const char *name, unsigned int nqueues, int *fds,
			unsigned int *mtu, char *err, size_t errlen)
{
	unsigned int i;
	int fd;

	if (!hyv_pv_net_tap_name_ok(name)) {
		snprintf(err, errlen, "TAP name '%s': 1..%u characters, no '/', ':' or blanks",
			 name, IFNAMSIZ - 1);
		return -EINVAL;
	}
	for (i = 0; i < nqueues; i++) {
		fd = hyv_pv_net_tap_open_queue(name, err, errlen);
		if (fd < 0) {
			while (i--) {
				close(fds[i]);
				fds[i] = -1;
			}
			return fd;
		}
		fds[i] = fd;
	}
	/* Until a driver says otherwise the host checksums and segments. */
	hyv_pv_net_tap_set_offload(fds[0], 0);
	*mtu = hyv_pv_net_tap_get_mtu(name);
	return 0;
}

int hyv_pv_net_tap_set_queue(int fd, bool attach)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	return ioctl(fd, TUNSETQUEUE, &ifr);
}

/* The receive offloads the guest takes, as TUN_F_* (per device). */
int hyv_pv_net_tap_set_offload(int fd, u32 guest_offloads)
{
	unsigned long tun = 0;

	if (guest_offloads & (1U << HYV_PVNET_F_GUEST_CSUM))
		tun |= TUN_F_CSUM;
	if (guest_offloads & (1U << HYV_PVNET_F_GUEST_TSO4))
		tun |= TUN_F_TSO4;
	if (guest_offloads & (1U << HYV_PVNET_F_GUEST_TSO6))
		tun |= TUN_F_TSO6;
	if (guest_offloads & (1U << HYV_PVNET_F_GUEST_ECN))
		tun |= TUN_F_TSO_ECN;
	return ioctl(fd, TUNSETOFFLOAD, tun);
}
