/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TERN_TESTS_CONTROL_PEER_PROC_H
#define TERN_TESTS_CONTROL_PEER_PROC_H

/*
 * Peer processes for the interop tests: a shell pipeline (openssl s_server,
 * gnutls-serv, ...) in its own process group so that the whole pipeline can
 * be killed, and loopback TCP helpers to find a port and reach the peer.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tern_test.h"

static pid_t peer_pid;

static void
kill_peer(void)
{
	int st;

	if (peer_pid > 0) {
		kill(-peer_pid, SIGTERM);
		waitpid(peer_pid, &st, 0);
		peer_pid = 0;
	}
}

/* Run a shell command in its own process group (so that the pipeline can be killed). */
static pid_t
spawn(const char *cmd)
{
	pid_t pid = fork();

	REQUIRE(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

static int
free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	REQUIRE(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

/* Connect to 127.0.0.1:port, retrying every 50 ms while the peer starts. */
static int
connect_retry(int port, int timeout_ms)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int i, fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	for (i = 0; i < timeout_ms / 50; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		REQUIRE(fd >= 0);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
		usleep(50000);
	}
	return -1;
}

#endif /* TERN_TESTS_CONTROL_PEER_PROC_H */
