// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend: the L2 guest's many-small-packets sender (testbed/l2/init,
 * pv_net_udp). Busybox has no tool that sends datagrams of a fixed size;
 * this one sends COUNT UDP datagrams of SIZE bytes to ADDR:PORT and
 * prints "sent N failed M" (a send that fails, e.g. ENOBUFS when the
 * queue is full, is counted and not retried).
 *
 *   udpsend ADDR PORT COUNT SIZE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long count, size, i, sent = 0, failed = 0;
	char buf[1472];
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsend ADDR PORT COUNT SIZE\n");
		return 2;
	}
	to.sin_port = htons(strtoul(argv[2], NULL, 10));
	count = strtoul(argv[3], NULL, 10);
	size = strtoul(argv[4], NULL, 10);
	if (size > sizeof(buf)) {
		fprintf(stderr, "udpsend: SIZE at most %zu\n", sizeof(buf));
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpsend: socket");
		return 1;
	}
	for (i = 0; i < count; i++) {
		/* Each datagram says its number: a receiver could check order. */
		memset(buf, 'u', size);
		if (size >= sizeof(i))
			memcpy(buf, &i, sizeof(i));
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&to,
			   sizeof(to)) == (ssize_t)size)
			sent++;
		else
			failed++;
	}
	printf("sent %lu failed %lu\n", sent, failed);
	close(fd);
	return 0;
}
