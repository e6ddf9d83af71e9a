/*
 * sock.h - the loopback sockets of the monitors: whether the host has
 * IPv6 loopback, whether a port is free, connecting with a deadline and
 * past a busy address, who holds a port, and reading lines by a
 * deadline.  Every wait here is bounded.
 */
#ifndef QI_SOCK_H
#define QI_SOCK_H

#include <sys/socket.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* Milliseconds on the monotonic clock. */
long long	now_ms(void);
/* ::1 (v6) or 127.0.0.1, and port, in ss; its length. */
socklen_t sock_loopback(struct sockaddr_storage *ss, int v6, unsigned port);
/* Whether ::1 can be bound (the host has IPv6 loopback). */
int	sock_has_ipv6_loopback(void);
/* Whether nothing listens on port, on 127.0.0.1 and (ipv6) on ::1. */
int	sock_port_free(unsigned port, int ipv6);

/* A socket and what has been read from it but not yet used. */
struct sock_reader {
	int		 fd;
	struct strbuf	 in;
};

enum {
	SOCK_OK = 0,
	SOCK_REFUSED = -1,	/* nobody listens */
	SOCK_TIMEOUT = -2,	/* no answer in time */
	SOCK_FAILED = -3,	/* another error, in d */
	SOCK_BUSY = -4		/* it listens, serving another client */
};

/* The loopback addresses a TCP monitor may listen on, as bits. */
enum {
	SOCK_V4 = 1,		/* 127.0.0.1 */
	SOCK_V6 = 2		/* ::1 */
};

/*
 * Connects to a monitor on a loopback port and waits for its first
 * bytes, its greeting, which a monitor sends only to the one client it
 * serves.  The addresses in addrs (SOCK_V4, SOCK_V6) are tried in turn,
 * 127.0.0.1 first: one that refuses (::1 on a host without it too), or
 * sends nothing within greet_ms (connected or queued behind another
 * client), is left for the next.  hello, unless NULL, is sent on each
 * connection as soon as it is made, before its greeting is waited for.
 * SOCK_OK with r reading the socket (close-on-exec, non-blocking,
 * TCP_NODELAY) and the greeting's first bytes in r->in (none when the
 * peer closed at once); SOCK_REFUSED when nothing listens; SOCK_BUSY
 * when every address that listens is busy; SOCK_FAILED with why in d.
 * Returns by the deadline; sock_reader_free r either way.
 */
int	sock_connect_greeted(struct sock_reader *r, unsigned port, int addrs,
	    const char *hello, int greet_ms, long long deadline,
	    struct diag *d);
/* Makes a socket blocking: SOCK_OK, or SOCK_FAILED with why in d. */
int	sock_set_blocking(int fd, struct diag *d);
/*
 * Connects to a unix socket by the deadline: the fd (close-on-exec),
 * SOCK_REFUSED when nothing listens there, SOCK_BUSY when its queue of
 * waiting clients stays full until the deadline, or SOCK_FAILED with why
 * in d.
 */
int	sock_connect_unix(const char *path, long long deadline,
	    struct diag *d);
/*
 * The pid of the process at the other end of a unix socket (of the one
 * that listened, for a client's socket), or -1.
 */
long	sock_peer_pid(int fd);
/*
 * Who holds connections to a loopback port, best effort, as the caller
 * may see it in /proc: "pid 1234 (nc), pid 99 (socat)", and for a
 * connection whose process cannot be seen "a process of user NAME".
 * NULL when there is none.  The caller's own connections are left out;
 * the search ends by the deadline (caller frees).
 */
char	*sock_port_holders(unsigned port, long long deadline);

void	sock_reader_init(struct sock_reader *, int fd);
void	sock_reader_free(struct sock_reader *);	/* closes fd */
/*
 * The next line, without its "\n" or "\r\n" (caller frees).  SOCK_OK,
 * SOCK_TIMEOUT at the deadline (also when the peer keeps sending),
 * SOCK_REFUSED when the peer closed, or SOCK_FAILED.  Lines are bounded
 * by max bytes (SOCK_FAILED past that).
 */
int	sock_read_line(struct sock_reader *, long long deadline, size_t max,
	    char **line, struct diag *d);
/* Writes all of buf by the deadline: SOCK_OK or a SOCK_ code. */
int	sock_write_all(int fd, const char *buf, size_t len,
	    long long deadline, struct diag *d);
/*
 * The same on a unix socket, with the descriptor pass going along with
 * buf's first byte (SCM_RIGHTS), so that the peer finds it with the
 * message it belongs to: QEMU's add-fd and getfd take the descriptor
 * that came with their command.  pass stays ours (the peer gets a copy).
 */
int	sock_write_fd(int fd, const char *buf, size_t len, int pass,
	    long long deadline, struct diag *d);

#endif
