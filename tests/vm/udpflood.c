// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * udpflood: the traffic tool of the forward-path benchmark
 * (tests/vm/bench/bench-forward.sh, run by scripts/vm-bench.sh). Built
 * static on the host (gcc -O2 -static) and shipped into the QEMU guest.
 *
 *   udpflood send ADDR PORT SECONDS [PAYLOAD]
 *       Send PAYLOAD-byte (default 64) UDP datagrams from one connected
 *       socket to ADDR:PORT (IPv4 or IPv6) as fast as possible for SECONDS,
 *       in sendmmsg() batches; then print "sent N errors E". Send errors
 *       (ENOBUFS and the like under overload) are counted, not fatal.
 *   udpflood sink PORT
 *       Bind UDP PORT (IPv6 socket, also IPv4) with a small receive buffer
 *       and never read it: datagrams are dropped once the buffer is full
 *       (RcvbufErrors), cheaply, and no ICMP port-unreachable goes back.
 *       Runs until killed.
 *   udpflood count FILE WARMUP SECONDS
 *       Sleep WARMUP seconds, read the number in FILE (an interface's
 *       statistics/rx_packets), sleep SECONDS, read it again; print
 *       "packets N elapsed S pps R" with S measured on CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int do_send(const char *addr, int port, double secs, int size)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	static char payload[65536];
	unsigned long long sent = 0, errors = 0;
	double end;
	int fd, i;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sslen = sizeof(*sin6);
	} else {
		fprintf(stderr, "udpflood: bad address %s\n", addr);
		return 2;
	}
	if (size < 0 || size > (int)sizeof(payload)) {
		fprintf(stderr, "udpflood: bad payload size %d\n", size);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sslen) < 0) {
		perror("udpflood: socket/connect");
		return 1;
	}
	memset(payload, 'x', size);
	iov.iov_base = payload;
	iov.iov_len = size;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	end = now() + secs;
	while (now() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n < 0) {
			/* The datagram at the head of the batch failed. */
			errors++;
			continue;
		}
		sent += n;
		if (n < BATCH) /* the next one failed; sendmmsg stopped there */
			errors++;
	}
	printf("sent %llu errors %llu\n", sent, errors);
	return 0;
}

static int do_sink(int port)
{
	struct sockaddr_in6 sin6;
	int fd, zero = 0, small = 4096;

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("udpflood: socket");
		return 1;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	sin6.sin6_addr = in6addr_any;
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) < 0) {
		perror("udpflood: bind");
		return 1;
	}
	for (;;)
		pause();
}

static int read_counter(const char *file, unsigned long long *v)
{
	FILE *f = fopen(file, "r");
	int ok;

	if (!f) {
		perror(file);
		return -1;
	}
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	if (!ok) {
		fprintf(stderr, "udpflood: %s: no number\n", file);
		return -1;
	}
	return 0;
}

static int do_count(const char *file, double warmup, double secs)
{
	unsigned long long a, b;
	double t0, t1;

	sleep_s(warmup);
	if (read_counter(file, &a))
		return 1;
	t0 = now();
	sleep_s(secs);
	if (read_counter(file, &b))
		return 1;
	t1 = now();
	printf("packets %llu elapsed %.3f pps %.0f\n", b - a, t1 - t0,
	       (b - a) / (t1 - t0));
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: udpflood send ADDR PORT SECONDS [PAYLOAD]\n"
		"       udpflood sink PORT\n"
		"       udpflood count FILE WARMUP SECONDS\n");
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && argc <= 6 && !strcmp(argv[1], "send"))
		return do_send(argv[2], atoi(argv[3]), atof(argv[4]),
			       argc == 6 ? atoi(argv[5]) : 64);
	if (argc == 3 && !strcmp(argv[1], "sink"))
		return do_sink(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "count"))
		return do_count(argv[2], atof(argv[3]), atof(argv[4]));
	return usage();
}
