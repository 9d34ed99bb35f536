// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * rawsend: sends crafted IPv4/IPv6 packets whose headers a firewall may not
 * be able to walk (tests/vm/t-kmod-malformed.sh).
 *
 *   rawsend -i IFNAME -m DSTMAC [options] DST KIND
 *   rawsend -R [options] DST KIND
 *
 * With -i, the packet goes out of IFNAME in an Ethernet frame to DSTMAC
 * (the next hop, e.g. the router's interface) through an AF_PACKET socket:
 * no netfilter hook of the sender sees it, the next hop's forward path
 * does.  With -R, it goes through a raw IP socket with the header included
 * (IPPROTO_RAW), so it passes the sender's own output hooks first.
 *
 * KIND:
 *   tcp        a plain TCP SYN to PORT
 *   ext6       IPv6: N destination-options headers (8 bytes each), then a
 *              TCP SYN to PORT
 *   trunc6     IPv6: a destination-options header whose length (128 bytes)
 *              runs past the payload, then 20 bytes of TCP SYN
 *   short-tcp  a TCP header cut to 8 bytes (ports and sequence number)
 *   bad-ihl    IPv4 with IHL 3 (the 20 header bytes are there, then a TCP
 *              SYN); a receiving host drops it before any netfilter hook,
 *              so only the sender's output path (-R) could see it, and
 *              Linux 6.1's raw sockets refuse to send it (EINVAL)
 *   jumbo6     IPv6 jumbogram style: payload length 0 and a hop-by-hop
 *              header with a jumbo payload option holding the real payload
 *              length, then a TCP SYN to PORT; receivers drop it (a real
 *              jumbogram is over 65535 bytes), so use -R
 *
 * Options:
 *   -c COUNT   packets to send (default 1), source ports 40000 + i
 *   -w MSEC    pause between packets (default 20)
 *   -p PORT    destination port (default 22)
 *   -n N       extension headers for ext6 (default 17)
 *   -s SRC     source address (default: the one the route to DST uses)
 *   -x         print the first packet (IP header on) in hex, send nothing
 *
 * DST is an IPv4 or IPv6 address; its family decides the packet's (ext6,
 * trunc6 and jumbo6 need IPv6, bad-ihl IPv4).  Prints one line with what
 * was sent.  With -R, a packet the sender's own firewall drops fails with
 * EPERM: that is counted ("refused locally"), not an error.  Exit status 0,
 * or 1 on another send error, 2 on bad usage.
 *
 * Build: cc -O2 -static -o rawsend tests/vm/rawsend.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXPKT 2048

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "rawsend: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rawsend (-i IFNAME -m DSTMAC | -R) [-c COUNT] [-w MSEC] [-p PORT]\n"
		"               [-n N] [-s SRC] [-x] DST tcp|ext6|trunc6|short-tcp|bad-ihl|jumbo6\n");
	exit(2);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct addrs {
	int family;
	uint8_t src[16], dst[16];
};

/* A TCP SYN (20 bytes) at l4 with its checksum over len bytes of it. */
static void tcp_syn(uint8_t *l4, size_t len, const struct addrs *a,
		    uint16_t sport, uint16_t dport)
{
	uint8_t ph[40];
	uint32_t sum;
	size_t alen = a->family == AF_INET ? 4 : 16;

	memset(l4, 0, 20);
	put16(l4, sport);
	put16(l4 + 2, dport);
	put32(l4 + 4, 0x10000000u + sport);
	l4[12] = 5 << 4; /* data offset: 20 bytes */
	l4[13] = 0x02; /* SYN */
	put16(l4 + 14, 64240);
	/* pseudo-header: addresses, protocol, length */
	memcpy(ph, a->src, alen);
	memcpy(ph + alen, a->dst, alen);
	sum = csum_add(0, ph, 2 * alen);
	sum += 6 + (uint32_t)len;
	sum = csum_add(sum, l4, len < 20 ? len : 20);
	put16(l4 + 16, csum_fold(sum));
}

static size_t ipv4(uint8_t *p, const struct addrs *a, unsigned int ihl,
		   size_t l4len, uint16_t id)
{
	memset(p, 0, 20);
	p[0] = 0x40 | ihl;
	put16(p + 2, (uint16_t)(20 + l4len));
	put16(p + 4, id);
	p[8] = 64;
	p[9] = 6;
	memcpy(p + 12, a->src, 4);
	memcpy(p + 16, a->dst, 4);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
	return 20;
}

static size_t ipv6(uint8_t *p, const struct addrs *a, uint16_t plen,
		   uint8_t next)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, plen);
	p[6] = next;
	p[7] = 64;
	memcpy(p + 8, a->src, 16);
	memcpy(p + 24, a->dst, 16);
	return 40;
}

/* An 8-byte destination-options header: a PadN option fills it. */
static void dstopts(uint8_t *p, uint8_t next, uint8_t hdrlen)
{
	memset(p, 0, 8);
	p[0] = next;
	p[1] = hdrlen; /* (hdrlen + 1) * 8 bytes */
	p[2] = 1; /* PadN */
	p[3] = 4;
}

/* Builds packet i of KIND into p; returns its length. */
static size_t build(uint8_t *p, const char *kind, const struct addrs *a,
		    unsigned int i, uint16_t port, unsigned int n_ext)
{
	uint16_t sport = (uint16_t)(40000 + i % 20000);
	size_t off, k;

	if (!strcmp(kind, "tcp") || !strcmp(kind, "short-tcp")) {
		size_t l4len = !strcmp(kind, "tcp") ? 20 : 8;
		uint8_t tcp[20];

		if (a->family == AF_INET)
			off = ipv4(p, a, 5, l4len, (uint16_t)(i + 1));
		else
			off = ipv6(p, a, (uint16_t)l4len, 6);
		tcp_syn(tcp, l4len, a, sport, port);
		memcpy(p + off, tcp, l4len);
		return off + l4len;
	}
	if (!strcmp(kind, "bad-ihl")) {
		off = ipv4(p, a, 3, 20, (uint16_t)(i + 1));
		tcp_syn(p + off, 20, a, sport, port);
		return off + 20;
	}
	if (!strcmp(kind, "ext6")) {
		off = ipv6(p, a, (uint16_t)(8 * n_ext + 20), n_ext ? 60 : 6);
		for (k = 0; k < n_ext; k++, off += 8)
			dstopts(p + off, k + 1 < n_ext ? 60 : 6, 0);
		tcp_syn(p + off, 20, a, sport, port);
		return off + 20;
	}
	if (!strcmp(kind, "trunc6")) {
		/* says 128 bytes, the payload holds 28 */
		off = ipv6(p, a, 8 + 20, 60);
		dstopts(p + off, 6, 15);
		off += 8;
		tcp_syn(p + off, 20, a, sport, port);
		return off + 20;
	}
	if (!strcmp(kind, "jumbo6")) {
		off = ipv6(p, a, 0, 0);
		memset(p + off, 0, 8);
		p[off] = 6;
		p[off + 1] = 0;
		p[off + 2] = 0xc2; /* jumbo payload */
		p[off + 3] = 4;
		put32(p + off + 4, 8 + 20);
		off += 8;
		tcp_syn(p + off, 20, a, sport, port);
		return off + 20;
	}
	die("unknown kind %s", kind);
	return 0;
}

/* The source address the kernel would pick for dst (a UDP "connect"). */
static void route_src(struct addrs *a)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = socket(a->family, SOCK_DGRAM, 0);

	memset(&ss, 0, sizeof(ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(9);
		memcpy(&s->sin_addr, a->dst, 4);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons(9);
		memcpy(&s->sin6_addr, a->dst, 16);
		sl = sizeof(*s);
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("rawsend: no route to the destination");
		exit(1);
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		perror("rawsend: getsockname");
		exit(1);
	}
	if (a->family == AF_INET)
		memcpy(a->src, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(a->src, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	close(fd);
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *macs = NULL, *srcs = NULL, *kind;
	unsigned int count = 1, wait_ms = 20, n_ext = 17, i, sent = 0,
		     refused = 0, errors = 0;
	uint16_t port = 22;
	int raw = 0, hex = 0, opt, fd;
	struct addrs a;
	uint8_t dmac[6], smac[6], frame[MAXPKT + ETH_HLEN];
	struct sockaddr_storage to;
	socklen_t tolen;
	size_t len = 0, hdr;

	while ((opt = getopt(argc, argv, "i:m:Rc:w:p:n:s:x")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 'm': macs = optarg; break;
		case 'R': raw = 1; break;
		case 'c': count = strtoul(optarg, NULL, 0); break;
		case 'w': wait_ms = strtoul(optarg, NULL, 0); break;
		case 'p': port = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'n': n_ext = strtoul(optarg, NULL, 0); break;
		case 's': srcs = optarg; break;
		case 'x': hex = 1; break;
		default: usage();
		}
	}
	if (argc - optind != 2 ||
	    (!hex && (raw == !!ifname || (ifname && !macs))))
		usage();
	kind = argv[optind + 1];
	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, argv[optind], a.dst) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, argv[optind], a.dst) == 1)
		a.family = AF_INET6;
	else
		die("bad destination %s", argv[optind]);
	if ((!strcmp(kind, "ext6") || !strcmp(kind, "trunc6") ||
	     !strcmp(kind, "jumbo6")) && a.family != AF_INET6)
		die("%s needs an IPv6 destination", kind);
	if (!strcmp(kind, "bad-ihl") && a.family != AF_INET)
		die("%s needs an IPv4 destination", kind);
	if (n_ext > 200)
		die("%s: at most 200 extension headers", "-n");
	if (srcs) {
		if (inet_pton(a.family, srcs, a.src) != 1)
			die("bad source %s", srcs);
	} else {
		route_src(&a);
	}

	if (hex) {
		len = build(frame, kind, &a, 0, port, n_ext);
		for (i = 0; i < len; i++)
			printf("%02x%s", frame[i], i + 1 == len ? "\n" : "");
		return 0;
	}
	memset(&to, 0, sizeof(to));
	if (raw) {
		fd = socket(a.family, SOCK_RAW, IPPROTO_RAW);
		if (a.family == AF_INET) {
			struct sockaddr_in *s = (struct sockaddr_in *)&to;

			s->sin_family = AF_INET;
			memcpy(&s->sin_addr, a.dst, 4);
			tolen = sizeof(*s);
		} else {
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)&to;

			s->sin6_family = AF_INET6;
			memcpy(&s->sin6_addr, a.dst, 16);
			tolen = sizeof(*s);
		}
		hdr = 0;
	} else {
		struct sockaddr_ll *sll = (struct sockaddr_ll *)&to;
		struct ifreq ifr;

		if (parse_mac(macs, dmac))
			die("bad MAC address %s", macs);
		fd = socket(AF_PACKET, SOCK_RAW, 0);
		if (fd < 0) {
			perror("rawsend: AF_PACKET socket");
			return 1;
		}
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr)) {
			perror(ifname);
			return 1;
		}
		memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
		sll->sll_family = AF_PACKET;
		sll->sll_ifindex = (int)if_nametoindex(ifname);
		sll->sll_halen = 6;
		memcpy(sll->sll_addr, dmac, 6);
		tolen = sizeof(*sll);
		memcpy(frame, dmac, 6);
		memcpy(frame + 6, smac, 6);
		put16(frame + 12, a.family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
		hdr = ETH_HLEN;
	}
	if (fd < 0) {
		perror("rawsend: socket");
		return 1;
	}
	for (i = 0; i < count; i++) {
		len = build(frame + hdr, kind, &a, i, port, n_ext);
		if (sendto(fd, frame, hdr + len, 0, (struct sockaddr *)&to,
			   tolen) >= 0) {
			sent++;
		} else if (raw && errno == EPERM) {
			refused++;
		} else {
			if (!errors)
				perror("rawsend: sendto");
			errors++;
		}
		if (wait_ms && i + 1 < count)
			usleep(wait_ms * 1000);
	}
	printf("rawsend: %s to %s port %u: %u packet(s) of %zu bytes sent, %u refused locally, %u failed\n",
	       kind, argv[optind], port, sent, len, refused, errors);
	close(fd);
	return errors ? 1 : 0;
}
