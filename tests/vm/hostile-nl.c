// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * hostile-nl: feeds polyfw.ko's generic netlink family malformed and
 * hostile requests (tests/vm/t-kmod-hostile.sh).  Every request must get an
 * answer (an error where one is due) and the kernel must stay healthy; the
 * harness checks dmesg afterwards.
 *
 *   hostile-nl [-n ITERATIONS] [-s SEED] [VALID_PROGRAM]
 *   hostile-nl -b SECONDS
 *   hostile-nl -t
 *   hostile-nl -w SECONDS
 *   hostile-nl -l FILE
 *   hostile-nl -u SET [-n ELEMENTS] [-f]
 *
 * With VALID_PROGRAM, also checks tables (names, priorities, the table cap,
 * deletion) with it, and loads many randomly damaged copies of it.  With
 * -b, only begins a 1 MiB load, sends half of it and sleeps with the
 * transaction open (for unloading the module under it).  With -t, checks
 * that an idle transaction is dropped after POLYFW_TXN_TIMEOUT_SEC.  With
 * -w, a slow writer: begins a load and sends an 8-byte chunk every SECONDS;
 * checks that the transaction is dropped POLYFW_TXN_TIMEOUT_SEC after its
 * BEGIN although chunks keep coming (the first refused chunk must come
 * after 29 s and no later than 31 s + SECONDS + 5).
 * Exit status 0 when every check held; 1 otherwise (each failure printed).
 *
 * With -l, loads FILE as it is (BEGIN, CHUNKs, COMMIT), without verifying
 * it first as the polyfw CLI does, so that the kernel's own verifier and
 * limits answer.  Prints "loaded" and exits 0, or prints the kernel's text
 * (POLYFW_A_ERROR, else the extended ack, else strerror) and exits 1.
 *
 * With -u SET (a benchmark, not a check), fills the address set SET of
 * table "default" with ITERATIONS /32 elements 10.0.0.0 + i by REPLACE (as
 * many messages as it takes), then (unless -f) adds and deletes 10,000 more,
 * one element a message, each waiting for its ack, and prints the rates.
 *
 * Plain sockets, no libmnl, so it runs anywhere.
 */
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "polyfw/bytecode.h"
#include "polyfw/genl.h"

static uint16_t family;
static uint32_t seq = 1;
static int failures;
static char last_text[512]; /* POLYFW_A_ERROR or extack of the last reply */
static int rcv_timeout = 10; /* seconds to wait for an answer */

#define BUFSZ (POLYFW_CHUNK_MAX + 4096)

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	failures++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	struct timeval tv = { .tv_sec = rcv_timeout };

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("netlink socket");
		exit(2);
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

struct msg {
	char buf[BUFSZ];
	size_t len;
};

static struct nlmsghdr *msg_start(struct msg *m, uint16_t type, uint8_t cmd,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	return nlh;
}

/* Appends an attribute; len_field overrides nla_len when nonzero (lies). */
static void put(struct msg *m, uint16_t type, const void *data, size_t len,
		uint16_t len_field)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);

	if (m->len + NLA_HDRLEN + NLA_ALIGN(len) > sizeof(m->buf))
		return;
	a->nla_type = type;
	a->nla_len = len_field ? len_field : NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_HDRLEN + NLA_ALIGN(len);
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, 4, 0);
}

static void find_text(const struct nlattr *a, int len, int type_wanted)
{
	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type_wanted) {
			int n = a->nla_len - NLA_HDRLEN;

			if (n > (int)sizeof(last_text) - 1)
				n = sizeof(last_text) - 1;
			memcpy(last_text, (const char *)a + NLA_HDRLEN, n);
			last_text[n] = '\0';
		}
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
}

/*
 * Sends m (len bytes of it, which may cut it short) and returns the error
 * of its ack (0 or -errno), or 1 when a dump ended well.  -ETIMEDOUT when
 * nothing came back.
 */
static int xfer(int fd, struct msg *m, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->buf;
	static char rx[128 * 1024];
	uint32_t want = nlh->nlmsg_seq;

	nlh->nlmsg_len = m->len;
	last_text[0] = '\0';
	if (send(fd, m->buf, len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, rx, sizeof(rx), 0);
		struct nlmsghdr *r;
		int left;

		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		left = (int)n;
		for (r = (struct nlmsghdr *)rx; NLMSG_OK(r, left);
		     r = NLMSG_NEXT(r, left)) {
			if (r->nlmsg_seq != want)
				continue;
			if (r->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(r);
				size_t off = sizeof(*e);

				if (!(r->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - NLMSG_HDRLEN;
				if ((r->nlmsg_flags & NLM_F_ACK_TLVS) &&
				    !last_text[0] &&
				    off < r->nlmsg_len - NLMSG_HDRLEN)
					find_text((struct nlattr *)((char *)e + off),
						  r->nlmsg_len - NLMSG_HDRLEN - off,
						  NLMSGERR_ATTR_MSG);
				return e->error;
			}
			if (r->nlmsg_type == NLMSG_DONE)
				return 1;
			if (r->nlmsg_type == family)
				find_text((struct nlattr *)((char *)NLMSG_DATA(r) +
							    GENL_HDRLEN),
					  r->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN,
					  POLYFW_A_ERROR);
		}
	}
}

static int send_full(int fd, struct msg *m)
{
	return xfer(fd, m, m->len);
}

static void resolve(int fd)
{
	struct msg m;
	static char rx[8192];
	struct nlmsghdr *r;
	ssize_t n;
	int left;

	msg_start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	put(&m, CTRL_ATTR_FAMILY_NAME, POLYFW_GENL_NAME,
	    sizeof(POLYFW_GENL_NAME), 0);
	((struct nlmsghdr *)m.buf)->nlmsg_len = m.len;
	if (send(fd, m.buf, m.len, 0) < 0 || (n = recv(fd, rx, sizeof(rx), 0)) < 0) {
		perror("resolve");
		exit(2);
	}
	left = (int)n;
	for (r = (struct nlmsghdr *)rx; NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
		struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(r) + GENL_HDRLEN);
		int alen = r->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

		if (r->nlmsg_type != GENL_ID_CTRL)
			continue;
		while (alen >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN) {
			if (a->nla_type == CTRL_ATTR_FAMILY_ID)
				family = *(uint16_t *)((char *)a + NLA_HDRLEN);
			alen -= NLA_ALIGN(a->nla_len);
			a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
		}
	}
	if (!family) {
		fprintf(stderr, "hostile-nl: no polyfw family (module not loaded?)\n");
		exit(2);
	}
}

static int simple(int fd, uint8_t cmd, int nattrs, ...)
{
	struct msg m;
	va_list ap;
	int i;

	msg_start(&m, family, cmd, NLM_F_ACK);
	va_start(ap, nattrs);
	for (i = 0; i < nattrs; i++) {
		int type = va_arg(ap, int);
		uint32_t v = va_arg(ap, uint32_t);

		put_u32(&m, type, v);
	}
	va_end(ap);
	return send_full(fd, &m);
}

static int chunk(int fd, uint32_t off, const void *data, size_t len)
{
	struct msg m;

	msg_start(&m, family, POLYFW_CMD_LOAD_CHUNK, NLM_F_ACK);
	put_u32(&m, POLYFW_A_OFFSET, off);
	put(&m, POLYFW_A_DATA, data, len, 0);
	return send_full(fd, &m);
}

/* Loads blob in one transaction; returns the commit's error. */
static int load(int fd, const void *blob, size_t len)
{
	size_t off;
	int ret;

	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, (uint32_t)len);
	if (ret)
		return ret;
	for (off = 0; off < len; off += POLYFW_CHUNK_MAX) {
		size_t n = len - off < POLYFW_CHUNK_MAX ? len - off : POLYFW_CHUNK_MAX;

		ret = chunk(fd, off, (const char *)blob + off, n);
		if (ret)
			return ret;
	}
	return simple(fd, POLYFW_CMD_LOAD_COMMIT, 0);
}

static void fuzz_attrs(int fd, unsigned int iters)
{
	unsigned int i, j;

	for (i = 0; i < iters; i++) {
		struct msg m;
		uint8_t cmd = rand() % 3 ? 1 + rand() % POLYFW_CMD_MAX : rand();
		int dump = rand() % 4 == 0, nattr = rand() % 5, ret;
		size_t len;

		msg_start(&m, family, cmd, dump ? NLM_F_DUMP : NLM_F_ACK);
		for (j = 0; j < (unsigned int)nattr; j++) {
			uint8_t data[64];
			size_t dlen = rand() % sizeof(data);
			uint16_t lie = rand() % 8 == 0 ? rand() % 200 : 0;
			unsigned int k;

			for (k = 0; k < dlen; k++)
				data[k] = rand();
			put(&m, rand() % 16 ? rand() % (POLYFW_A_MAX + 3) : rand(),
			    data, dlen, lie);
		}
		/* Sometimes cut the message short of what it says. */
		len = m.len;
		if (rand() % 8 == 0 && len > NLMSG_HDRLEN + 1)
			len = NLMSG_HDRLEN + rand() % (len - NLMSG_HDRLEN);
		if (len < m.len) {
			/* The kernel drops a message shorter than it says. */
			((struct nlmsghdr *)m.buf)->nlmsg_len = m.len;
			send(fd, m.buf, len, 0);
			continue;
		}
		ret = xfer(fd, &m, len);
		/* A dump answers; anything else answers with an ack. */
		check(ret != -ETIMEDOUT, "fuzz %u: cmd %u got no answer", i, cmd);
		/* Whatever loaded by chance goes again. */
		if (cmd == POLYFW_CMD_LOAD_COMMIT && ret == 0)
			simple(fd, POLYFW_CMD_FLUSH, 0);
	}
}

static void protocol_checks(void)
{
	int fd = nl_open(), fds[POLYFW_MAX_TXNS + 1], i, ret;
	uint8_t junk[64];
	uint32_t bad[32];

	memset(junk, 0xa5, sizeof(junk));
	ret = chunk(fd, 0, junk, 8);
	check(ret == -ENOENT, "chunk without begin: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_COMMIT, 0);
	check(ret == -ENOENT, "commit without begin: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 0);
	check(ret == -EINVAL, "begin without size: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 0);
	check(ret == -ERANGE || ret == -EINVAL, "begin size 0: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 6);
	check(ret == -EINVAL, "begin size 6: %d", ret);
	/* refused by the format's limit or by the namespace's caps */
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE,
		     PFW_MAX_PROG_BYTES + 4);
	check(ret == -ERANGE || ret == -EINVAL || ret == -EFBIG ||
	      ret == -ENOSPC, "begin oversize: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_ERROR, 1);
	check(ret == -EINVAL, "kernel-only attribute accepted: %d", ret);

	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 64);
	check(ret == 0, "begin 64: %d", ret);
	ret = chunk(fd, 4, junk, 8);
	check(ret == -EINVAL, "chunk at a gap: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 64);
	check(ret == 0, "begin 64 again: %d", ret);
	ret = chunk(fd, 0, junk, 48);
	check(ret == 0, "chunk 48: %d", ret);
	ret = chunk(fd, 48, junk, 24);
	check(ret == -EMSGSIZE, "chunk past the size: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 64);
	check(ret == 0, "begin 64 third: %d", ret);
	ret = simple(fd, POLYFW_CMD_LOAD_COMMIT, 0);
	check(ret == -EMSGSIZE, "commit of an incomplete program: %d", ret);
	check(strstr(last_text, "incomplete") != NULL,
	      "incomplete commit text: \"%s\"", last_text);

	ret = load(fd, junk, sizeof(junk));
	check(ret == -EINVAL, "junk program: %d", ret);
	check(strstr(last_text, "bad magic") != NULL,
	      "junk program text: \"%s\"", last_text);

	/* Right header, lying section counts. */
	memset(bad, 0, sizeof(bad));
	bad[0] = PFW_PROG_MAGIC;
	bad[1] = PFW_PROG_VERSION | (sizeof(struct pfw_prog_hdr) / 4) << 16;
	bad[2] = 0xffffffff;
	ret = load(fd, bad, sizeof(bad));
	check(ret == -EINVAL, "lying header: %d (%s)", ret, last_text);

	ret = simple(fd, POLYFW_CMD_LOAD_ABORT, 0);
	check(ret == 0, "abort without a transaction: %d", ret);
	ret = simple(fd, POLYFW_CMD_FLUSH, 1, POLYFW_A_GENERATION, 0xdeadbeef);
	check(ret == -ESTALE, "flush at a wrong generation: %d", ret);
	check(strstr(last_text, "program changed since generation") != NULL,
	      "conflict text: \"%s\"", last_text);

	/*
	 * Transactions are bounded; closing a socket frees its own.  8 MiB
	 * each: all of them together stay under the default netns_txn_bytes.
	 */
	simple(fd, POLYFW_CMD_LOAD_ABORT, 0);
	for (i = 0; i <= POLYFW_MAX_TXNS; i++) {
		fds[i] = nl_open();
		ret = simple(fds[i], POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE,
			     8 << 20);
		if (i < POLYFW_MAX_TXNS)
			check(ret == 0 || ret == -ENOMEM, "begin %d: %d (%s)", i,
			      ret, last_text);
		else
			check(ret == -EBUSY, "begin over the limit: %d", ret);
	}
	for (i = 0; i <= POLYFW_MAX_TXNS; i++)
		close(fds[i]);
	usleep(100000);
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 64);
	check(ret == 0, "begin after the others closed: %d", ret);
	close(fd);
}

/*
 * A load of blob into the table whose name attribute holds nlen bytes of
 * name (no NUL unless counted), at priority prio unless prio is NO_PRIO.
 */
#define NO_PRIO 0x7fffffff
static int load_table(int fd, const void *blob, size_t len, const char *name,
		      size_t nlen, int32_t prio)
{
	struct msg m;
	int ret;

	msg_start(&m, family, POLYFW_CMD_LOAD_BEGIN, NLM_F_ACK);
	put_u32(&m, POLYFW_A_SIZE, (uint32_t)len);
	put(&m, POLYFW_A_TABLE, name, nlen, 0);
	if (prio != NO_PRIO)
		put_u32(&m, POLYFW_A_PRIORITY, (uint32_t)prio);
	ret = send_full(fd, &m);
	if (ret)
		return ret;
	ret = chunk(fd, 0, blob, len);
	if (ret)
		return ret;
	return simple(fd, POLYFW_CMD_LOAD_COMMIT, 0);
}

static int table_cmd(int fd, uint8_t cmd, const char *name)
{
	struct msg m;

	msg_start(&m, family, cmd, cmd == POLYFW_CMD_GET_TABLES ? NLM_F_DUMP :
								  NLM_F_ACK);
	if (name)
		put(&m, POLYFW_A_TABLE, name, strlen(name) + 1, 0);
	return send_full(fd, &m);
}

static void table_checks(const char *path)
{
	static uint32_t blob[POLYFW_CHUNK_MAX / 4];
	static const char *const bad[] = { "", "-x", ".a", "a b", "a/b",
					   "0123456789012345678901234567890x" };
	FILE *f = fopen(path, "rb");
	int fd = nl_open(), ret;
	char name[40];
	size_t len;
	unsigned int i, made = 0;

	if (!f) {
		perror(path);
		exit(2);
	}
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ret = load_table(fd, blob, len, bad[i], strlen(bad[i]) + 1, NO_PRIO);
		check(ret == -EINVAL, "table name \"%s\": %d", bad[i], ret);
	}
	/* Not NUL-terminated. */
	ret = load_table(fd, blob, len, "abcd", 4, NO_PRIO);
	check(ret == -EINVAL, "a name without its NUL: %d", ret);
	ret = load_table(fd, blob, len, "hn", 3, POLYFW_PRIO_MAX + 1);
	check(ret == -ERANGE, "priority %d: %d", POLYFW_PRIO_MAX + 1, ret);
	ret = load_table(fd, blob, len, "hn", 3, POLYFW_PRIO_MIN - 1);
	check(ret == -ERANGE, "priority %d: %d", POLYFW_PRIO_MIN - 1, ret);
	ret = load_table(fd, blob, len, "hn", 3, -7);
	check(ret == 0, "load into table hn: %d (%s)", ret, last_text);
	ret = load_table(fd, blob, len, "hn", 3, 7);
	check(ret == -EEXIST && strstr(last_text, "priority -7, not 7"),
	      "another priority: %d (%s)", ret, last_text);
	ret = load_table(fd, blob, len, "hn", 3, NO_PRIO);
	check(ret == 0, "reload keeping the priority: %d (%s)", ret, last_text);
	ret = table_cmd(fd, POLYFW_CMD_GET_TABLES, NULL);
	check(ret == 1, "GET_TABLES: %d", ret);
	{
		/* a dump naming a bad table ends before it begins */
		struct msg m;

		msg_start(&m, family, POLYFW_CMD_GET_COUNTERS, NLM_F_DUMP);
		put(&m, POLYFW_A_TABLE, "a b", 4, 0);
		ret = send_full(fd, &m);
		check(ret == -EINVAL, "dump of table \"a b\": %d", ret);
	}
	/* The cap: fill the namespace, one more is refused. */
	for (i = 0; i < POLYFW_MAX_TABLES + 1; i++) {
		snprintf(name, sizeof(name), "cap%u", i);
		ret = load_table(fd, blob, len, name, strlen(name) + 1, NO_PRIO);
		if (ret == -ENOSPC)
			break;
		check(ret == 0, "table %s: %d (%s)", name, ret, last_text);
		made++;
	}
	check(ret == -ENOSPC && strstr(last_text, "too many tables"),
	      "table over the cap: %d (%s)", ret, last_text);
	for (i = 0; i < made; i++) {
		snprintf(name, sizeof(name), "cap%u", i);
		ret = table_cmd(fd, POLYFW_CMD_DELETE_TABLE, name);
		check(ret == 0, "delete %s: %d", name, ret);
	}
	ret = table_cmd(fd, POLYFW_CMD_DELETE_TABLE, "hn");
	check(ret == 0, "delete hn: %d", ret);
	ret = table_cmd(fd, POLYFW_CMD_DELETE_TABLE, "hn");
	check(ret == -ENOENT, "delete hn twice: %d", ret);
	ret = table_cmd(fd, POLYFW_CMD_DELETE_TABLE, NULL);
	check(ret == -EINVAL, "delete without a name: %d", ret);
	ret = table_cmd(fd, POLYFW_CMD_FLUSH, "nosuch");
	check(ret == 0, "flush of a table that does not exist: %d", ret);
	close(fd);
}

static void damaged_programs(const char *path, unsigned int iters)
{
	FILE *f = fopen(path, "rb");
	static uint32_t blob[1 << 16], copy[1 << 16];
	size_t len;
	unsigned int i, j, loaded = 0, refused = 0;
	int fd = nl_open(), ret;

	if (!f) {
		perror(path);
		exit(2);
	}
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	for (i = 0; i < iters; i++) {
		unsigned int flips = 1 + rand() % 4;

		memcpy(copy, blob, len);
		for (j = 0; j < flips; j++) {
			size_t w = rand() % (len / 4);

			if (rand() % 2)
				copy[w] ^= 1u << (rand() % 32);
			else
				copy[w] = rand() % 3 ? rand() % 64 : rand();
		}
		ret = load(fd, copy, len - (rand() % 8 == 0 ? 4 : 0));
		if (ret == 0) {
			loaded++;
		} else {
			refused++;
			check(ret == -EINVAL || ret == -ENOMEM || ret == -E2BIG ||
			      ret == -EFBIG,
			      "damaged program %u: unexpected %d", i, ret);
		}
	}
	printf("damaged programs: %u loaded, %u refused\n", loaded, refused);
	simple(fd, POLYFW_CMD_FLUSH, 0);
	close(fd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -l FILE: load FILE as it is; the kernel's answer decides. */
static int load_file(int fd, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *blob;
	long size;
	size_t len;
	int ret;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		perror(path);
		return 2;
	}
	blob = malloc(size ? (size_t)size : 1);
	if (!blob) {
		perror("malloc");
		return 2;
	}
	len = fread(blob, 1, (size_t)size, f);
	fclose(f);
	if (len != (size_t)size) {
		fprintf(stderr, "hostile-nl: %s: short read\n", path);
		return 2;
	}
	ret = load(fd, blob, len);
	free(blob);
	if (ret == 0) {
		printf("loaded\n");
		return 0;
	}
	printf("%s\n", last_text[0] ? last_text : strerror(-ret));
	fprintf(stderr, "hostile-nl: %s (%zu bytes) refused: %d (%s)\n", path,
		len, ret, strerror(-ret));
	return 1;
}

/*
 * -w SECONDS: a writer that keeps its transaction busy with a chunk every
 * SECONDS must still lose it POLYFW_TXN_TIMEOUT_SEC after its BEGIN.
 */
static int slow_writer(int fd, unsigned int every)
{
	uint8_t data[8] = { 0 };
	double t0, t;
	uint32_t off = 0;
	int ret;

	t0 = now_s();
	ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 4096);
	check(ret == 0, "slow: begin: %d (%s)", ret, last_text);
	if (ret)
		return 1;
	for (;;) {
		ret = chunk(fd, off, data, sizeof(data));
		t = now_s() - t0;
		if (ret) {
			printf("hostile-nl: slow writer: chunk at %.1f s after BEGIN refused: %d (%s)\n",
			       t, ret, last_text);
			check(ret == -ENOENT, "slow: chunk refused with %d, not ENOENT", ret);
			check(t >= POLYFW_TXN_TIMEOUT_SEC - 1,
			      "slow: dropped after %.1f s, before the deadline", t);
			check(t <= POLYFW_TXN_TIMEOUT_SEC + 1 + every + 5,
			      "slow: dropped only after %.1f s", t);
			break;
		}
		off += sizeof(data);
		printf("hostile-nl: slow writer: chunk at %.1f s accepted\n", t);
		if (t > POLYFW_TXN_TIMEOUT_SEC + 1 + every + 5 ||
		    off + sizeof(data) > 4096) {
			check(0, "slow: transaction still open %.1f s after BEGIN", t);
			break;
		}
		sleep(every);
	}
	printf("hostile-nl: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* Appends one /32 element 10.x.y.z (as ::ffff:a.b.c.d) for number i. */
static void put_v4_elem(struct msg *m, uint32_t i)
{
	uint32_t lo[4] = { 0, 0, 0xffff, 0x0a000000 | (i & 0xffffff) };
	struct nlattr *nest = (struct nlattr *)(m->buf + m->len);

	put(m, POLYFW_A_SET_ELEM | NLA_F_NESTED, NULL, 0, 0);
	put(m, POLYFW_SETEL_A_LO, lo, sizeof(lo), 0);
	nest->nla_len = (uint16_t)(m->buf + m->len - (char *)nest);
}

static void set_msg(struct msg *m, const char *set, uint32_t op,
		    uint32_t flags)
{
	msg_start(m, family, POLYFW_CMD_SET_ELEMS, NLM_F_ACK);
	put(m, POLYFW_A_SET, set, strlen(set) + 1, 0);
	put_u32(m, POLYFW_A_SET_OP, op);
	if (flags)
		put_u32(m, POLYFW_A_SET_FLAGS, flags);
}

static int set_bench(int fd, const char *set, uint32_t n, int fill_only)
{
	const uint32_t per_msg = 1000, single = 10000;
	struct msg m;
	uint32_t i, j;
	double t0, t1, t2;
	int ret = 0;

	t0 = now_s();
	for (i = 0; i < n || i == 0; i += per_msg) {
		uint32_t flags = (i == 0 ? POLYFW_SET_F_FIRST : 0) |
				 (i + per_msg >= n ? POLYFW_SET_F_LAST : 0);

		set_msg(&m, set, POLYFW_SET_OP_REPLACE, flags);
		for (j = i; j < i + per_msg && j < n; j++)
			put_v4_elem(&m, j);
		ret = send_full(fd, &m);
		if (ret) {
			printf("setbench: replace at %u: %d (%s)\n", i, ret, last_text);
			return 1;
		}
	}
	t1 = now_s();
	if (fill_only) {
		printf("setbench: replace with %u elements: %.3f s\n", n, t1 - t0);
		return 0;
	}
	for (i = 0; i < single && !ret; i++) {
		set_msg(&m, set, POLYFW_SET_OP_ADD, 0);
		put_v4_elem(&m, n + i);
		ret = send_full(fd, &m);
	}
	for (i = 0; i < single && !ret; i++) {
		set_msg(&m, set, POLYFW_SET_OP_DEL, 0);
		put_v4_elem(&m, n + i);
		ret = send_full(fd, &m);
	}
	t2 = now_s();
	if (ret) {
		printf("setbench: single update %u: %d (%s)\n", i, ret, last_text);
		return 1;
	}
	printf("setbench: replace with %u elements: %.3f s (%.0f elements/s)\n",
	       n, t1 - t0, n / (t1 - t0));
	printf("setbench: %u single-element adds and %u deletes with %u loaded: %.3f s (%.0f updates/s)\n",
	       single, single, n, t2 - t1, 2 * single / (t2 - t1));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int iters = 2000, seed = 1, hold = 0, idle = 0, slow = 0;
	const char *file = NULL, *bench_set = NULL;
	int fill_only = 0;
	int opt, fd;

	while ((opt = getopt(argc, argv, "n:s:b:tw:l:u:f")) != -1) {
		if (opt == 'n')
			iters = strtoul(optarg, NULL, 0);
		else if (opt == 's')
			seed = strtoul(optarg, NULL, 0);
		else if (opt == 'b')
			hold = strtoul(optarg, NULL, 0);
		else if (opt == 't')
			idle = 1;
		else if (opt == 'w')
			slow = strtoul(optarg, NULL, 0);
		else if (opt == 'l')
			file = optarg;
		else if (opt == 'u')
			bench_set = optarg;
		else if (opt == 'f')
			fill_only = 1;
		else
			return 2;
	}
	srand(seed);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* the kernel verifies a hostile program of megabytes slowly in QEMU */
	if (file)
		rcv_timeout = 120;
	fd = nl_open();
	resolve(fd);
	if (file)
		return load_file(fd, file);
	if (bench_set)
		return set_bench(fd, bench_set, iters, fill_only);
	if (slow)
		return slow_writer(fd, slow);
	if (idle) {
		uint8_t data[8] = { 0 };
		int ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE, 64);

		check(ret == 0, "idle: begin: %d", ret);
		ret = chunk(fd, 0, data, sizeof(data));
		check(ret == 0, "idle: first chunk: %d", ret);
		sleep(POLYFW_TXN_TIMEOUT_SEC + 3);
		ret = chunk(fd, 8, data, sizeof(data));
		check(ret == -ENOENT, "idle transaction still there: %d", ret);
		printf("hostile-nl: %d failure(s)\n", failures);
		return failures ? 1 : 0;
	}
	if (hold) {
		static uint8_t half[POLYFW_CHUNK_MAX];
		uint32_t off;
		int ret = simple(fd, POLYFW_CMD_LOAD_BEGIN, 1, POLYFW_A_SIZE,
				 1u << 20);

		for (off = 0; !ret && off < (1u << 19); off += sizeof(half))
			ret = chunk(fd, off, half, sizeof(half));
		printf("hostile-nl: transaction open (%d)\n", ret);
		fflush(stdout);
		sleep(hold);
		return ret ? 1 : 0;
	}
	protocol_checks();
	if (optind < argc)
		table_checks(argv[optind]);
	fuzz_attrs(fd, iters);
	if (optind < argc)
		damaged_programs(argv[optind], iters / 4);
	close(fd);
	printf("hostile-nl: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
