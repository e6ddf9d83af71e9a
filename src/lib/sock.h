/*
 * sock.h - the loopback sockets of the monitors: whether the host has
 * IPv6 loopback, whether a port is free, connecting with a deadline, and
 * reading lines with one.  Every wait here is bounded.
 */
#ifndef QI_SOCK_H
#define QI_SOCK_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* Milliseconds on the monotonic clock. */
long long	now_ms(void);
/* Whether ::1 can be bound (the host has IPv6 loopback). */
int	sock_has_ipv6_loopback(void);
/* Whether nothing listens on port, on 127.0.0.1 and (ipv6) on ::1. */
int	sock_port_free(unsigned port, int ipv6);

enum {
	SOCK_OK = 0,
	SOCK_REFUSED = -1,	/* nobody listens */
	SOCK_TIMEOUT = -2,	/* no answer in time */
	SOCK_FAILED = -3	/* another error, in d */
};

/*
 * Connects to a loopback port: ::1 first when the host has it, then
 * 127.0.0.1.  Returns the fd (close-on-exec, TCP_NODELAY) or a SOCK_
 * code, with the reason in d for SOCK_FAILED.
 */
int	sock_connect_loopback(unsigned port, long long deadline,
	    struct diag *d);
/* The same for a unix socket. */
int	sock_connect_unix(const char *path, struct diag *d);

/* A socket and what has been read from it but not yet used. */
struct sock_reader {
	int		 fd;
	struct strbuf	 in;
};

void	sock_reader_init(struct sock_reader *, int fd);
void	sock_reader_free(struct sock_reader *);	/* closes fd */
/*
 * The next line, without its "\n" or "\r\n" (caller frees).  SOCK_OK,
 * SOCK_TIMEOUT at the deadline, SOCK_REFUSED when the peer closed, or
 * SOCK_FAILED.  Lines are bounded by max bytes (SOCK_FAILED past that).
 */
int	sock_read_line(struct sock_reader *, long long deadline, size_t max,
	    char **line, struct diag *d);
/* Writes all of buf by the deadline: SOCK_OK or a SOCK_ code. */
int	sock_write_all(int fd, const char *buf, size_t len,
	    long long deadline, struct diag *d);

#endif
