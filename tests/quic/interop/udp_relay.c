/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tern-udp-relay: a seeded, lossy UDP relay for QUIC tests on loopback.
 *
 *   tern-udp-relay --listen-port P --target HOST:PORT [--seed N] [--loss P]
 *                  [--reorder P] [--reorder-delay-ms MS] [--dup P] [--corrupt P]
 *                  [--timeout S]
 *
 * Datagrams arriving on 127.0.0.1:P are forwarded from a second socket to the
 * target; the first source address seen is "the client", and what the target
 * sends back goes to it. Each direction applies, per datagram and in this
 * order, with independent probabilities from one seeded PRNG: loss (dropped),
 * corruption (one payload byte XORed with a non-zero value), duplication (sent
 * twice), reordering (held back and sent after the next datagram of the same
 * direction, or after --reorder-delay-ms when none comes). With the same seed
 * and the same arrival order the decisions are the same.
 *
 * Prints "LISTENING 127.0.0.1 PORT" once bound (so --listen-port 0 works) and,
 * at exit (SIGTERM/SIGINT or --timeout), one line per direction:
 *   RELAY c2s in=... out=... lost=... corrupted=... duplicated=... reordered=...
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAM 65536

struct dir {
	const char *name;
	int out_fd;		/* socket to send from */
	struct sockaddr_in *to; /* where to send */
	uint64_t in, out, lost, corrupted, duplicated, reordered;
	uint8_t held[MAX_DGRAM]; /* one datagram held back for reordering */
	size_t held_len;
	bool holding;
	uint64_t held_since;
};

static volatile sig_atomic_t stop;
static uint64_t rng;

static uint64_t
rnd64(void)
{
	/* xorshift64*: deterministic for a seed, good enough for test impairment */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static bool
chance(double p)
{
	if (p <= 0)
		return false;
	return (double)(rnd64() >> 11) * 0x1.0p-53 < p;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
emit(struct dir *d, const uint8_t *p, size_t len)
{
	ssize_t n;

	do
		n = sendto(d->out_fd, p, len, 0, (struct sockaddr *)d->to, sizeof(*d->to));
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		d->out++;
}

static void
release_held(struct dir *d)
{
	if (d->holding) {
		d->holding = false;
		emit(d, d->held, d->held_len);
	}
}

struct impair {
	double loss, reorder, dup, corrupt;
	uint64_t reorder_delay_ns;
};

static void
relay(struct dir *d, const struct impair *im, uint8_t *p, size_t len)
{
	bool dup;

	d->in++;
	if (chance(im->loss)) {
		d->lost++;
		return;
	}
	if (len > 0 && chance(im->corrupt)) {
		size_t at = (size_t)(rnd64() % len);

		p[at] ^= (uint8_t)(1 + rnd64() % 255);
		d->corrupted++;
	}
	dup = chance(im->dup);
	if (dup)
		d->duplicated++;
	if (!d->holding && chance(im->reorder)) {
		memcpy(d->held, p, len);
		d->held_len = len;
		d->holding = true;
		d->held_since = now_ns();
		d->reordered++;
		if (dup)
			emit(d, p, len); /* the copy goes ahead, the original comes late */
		return;
	}
	emit(d, p, len);
	if (dup)
		emit(d, p, len);
	release_held(d);
}

static int
parse_hostport(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	port = strtol(colon + 1, NULL, 10);
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &a->sin_addr) != 1)
		return -1;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: tern-udp-relay --listen-port P --target HOST:PORT [--seed N]\n"
			"  [--loss P] [--reorder P] [--reorder-delay-ms MS] [--dup P]\n"
			"  [--corrupt P] [--timeout S]   (probabilities in [0,1])\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"listen-port", required_argument, NULL, 'l'},
		{"target", required_argument, NULL, 't'},
		{"seed", required_argument, NULL, 's'},
		{"loss", required_argument, NULL, 'L'},
		{"reorder", required_argument, NULL, 'R'},
		{"reorder-delay-ms", required_argument, NULL, 'D'},
		{"dup", required_argument, NULL, 'U'},
		{"corrupt", required_argument, NULL, 'C'},
		{"timeout", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	struct impair im = {.reorder_delay_ns = 5000000};
	struct sockaddr_in lis = {.sin_family = AF_INET}, target, client;
	struct dir c2s = {.name = "c2s"}, s2c = {.name = "s2c"};
	static uint8_t buf[MAX_DGRAM];
	uint64_t seed = 1, deadline;
	double timeout = 60;
	bool have_target = false, have_client = false;
	int c, lfd, ufd, sz = 4 << 20;
	socklen_t sl = sizeof(lis);

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'l':
			lis.sin_port = htons((uint16_t)atoi(optarg));
			break;
		case 't':
			if (parse_hostport(optarg, &target) != 0)
				usage();
			have_target = true;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'L':
			im.loss = atof(optarg);
			break;
		case 'R':
			im.reorder = atof(optarg);
			break;
		case 'D':
			im.reorder_delay_ns = (uint64_t)(atof(optarg) * 1e6);
			break;
		case 'U':
			im.dup = atof(optarg);
			break;
		case 'C':
			im.corrupt = atof(optarg);
			break;
		case 'T':
			timeout = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (!have_target || optind != argc)
		usage();
	/* a zero state would make xorshift emit zeros forever */
	rng = seed ^ 0x9E3779B97F4A7C15ULL;
	if (!rng)
		rng = 1;

	lis.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0 || ufd < 0 || bind(lfd, (struct sockaddr *)&lis, sizeof(lis)) != 0) {
		perror("relay: socket/bind");
		return 2;
	}
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(lfd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(ufd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(ufd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	getsockname(lfd, (struct sockaddr *)&lis, &sl);
	c2s.out_fd = ufd;
	c2s.to = &target;
	s2c.out_fd = lfd;
	s2c.to = &client;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("LISTENING 127.0.0.1 %u\n", ntohs(lis.sin_port));
	fflush(stdout);

	deadline = now_ns() + (uint64_t)(timeout * 1e9);
	while (!stop && now_ns() < deadline) {
		struct pollfd pfd[2] = {{.fd = lfd, .events = POLLIN},
					{.fd = ufd, .events = POLLIN}};
		struct dir *dirs[2] = {&c2s, &s2c};
		int wait_ms = 100;
		uint64_t now = now_ns();

		for (int i = 0; i < 2; i++) {
			struct dir *d = dirs[i];

			if (d->holding) {
				uint64_t due = d->held_since + im.reorder_delay_ns;

				if (due <= now)
					release_held(d);
				else if ((int)((due - now) / 1000000 + 1) < wait_ms)
					wait_ms = (int)((due - now) / 1000000 + 1);
			}
		}
		if (poll(pfd, 2, wait_ms) < 0 && errno != EINTR)
			break;
		for (int budget = 0; budget < 256; budget++) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n =
				recvfrom(lfd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			if (!have_client) {
				client = from;
				have_client = true;
			} else if (from.sin_port != client.sin_port ||
				   from.sin_addr.s_addr != client.sin_addr.s_addr) {
				continue; /* one client per relay */
			}
			relay(&c2s, &im, buf, (size_t)n);
		}
		for (int budget = 0; budget < 256; budget++) {
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n =
				recvfrom(ufd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			if (have_client)
				relay(&s2c, &im, buf, (size_t)n);
		}
	}
	for (int i = 0; i < 2; i++) {
		struct dir *d = i ? &s2c : &c2s;

		printf("RELAY %s in=%" PRIu64 " out=%" PRIu64 " lost=%" PRIu64 " corrupted=%" PRIu64
		       " duplicated=%" PRIu64 " reordered=%" PRIu64 "\n",
		       d->name, d->in, d->out, d->lost, d->corrupted, d->duplicated, d->reordered);
	}
	fflush(stdout);
	close(lfd);
	close(ufd);
	return 0;
}
