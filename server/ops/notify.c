/* SPDX-License-Identifier: MIT */
/* Telling systemd (Type=notify, notify-reload) how the daemon is doing. */
#include "ops/ops.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void
notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
			  strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
		     (struct sockaddr *)&sun, len);
	close(fd);
}

/* systemd's Type=notify-reload wants the time the reload began. */
void
notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (str_printf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%lld",
		       (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000) == 0)
		notify_send(msg);
}
