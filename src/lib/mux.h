/*
 * mux.h - several byte streams over one connection (migrate's ssh
 * connection, qemu-init(8) migrate): each channel a local socket at
 * each end, its bytes carried both ways in frames that name it, its
 * half-close and its close passed on, with a window of credit per
 * channel, so that a channel whose reader is slow holds back its own
 * sender only, never the others (the control channel's lines pass while
 * the migration stream waits for QEMU).  What one end holds is bounded:
 * a frame is at most MUX_FRAME_MAX bytes, what it holds for a channel at
 * most MUX_WINDOW, what waits to go on the connection about
 * MUX_OUT_HIGH.  A peer that sends past its credit, sends data or credit
 * on a channel this side never opened, or sends what is no frame ends
 * the connection (the end or close of a channel never opened here is
 * no matter: the two sides need not open the same ones).
 *
 * A frame: type, channel, the payload's length (two bytes, big-endian),
 * then the payload:
 *   'D'  data: the channel's bytes, at most the credit the peer gave
 *   'E'  end: the sender's socket reached its end; the receiver's is
 *        shut down for writing once what came before is written
 *   'X'  close: the sender's socket failed or was closed; the
 *        receiver's is closed, what it had not written dropped
 *   'C'  credit: four bytes, big-endian: the receiver wrote that many
 *        bytes of the channel to its socket; the sender may send as
 *        many more
 * Each end starts with MUX_WINDOW of credit on every channel.
 *
 * The mux runs in a thread of its own (mux_start) and owns the
 * channels' sockets from then on; the caller keeps the other ends.
 * Writes to a closed connection or socket must fail, not kill: the
 * caller ignores SIGPIPE.
 */
#ifndef QI_MUX_H
#define QI_MUX_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define MUX_CHANNELS	128		/* 0 .. 127 */
#define MUX_FRAME_MAX	65535		/* a frame's payload */
#define MUX_WINDOW	(2 * 1024 * 1024)	/* credit, a channel's */
#define MUX_OUT_HIGH	(256 * 1024)	/* no channel is read past this */
#define MUX_FLUSH_MS	5000		/* mux_stop: what is left, written */

enum mux_end {
	MUX_RUNNING,
	MUX_DONE,		/* every channel ended both ways, or stopped */
	MUX_LINK_LOST,		/* the connection ended first */
	MUX_BROKEN		/* the peer broke the rules, or an I/O error */
};

struct mux_channel {
	int		 fd;		/* -1: not opened, or closed */
	int		 used;		/* opened by mux_add */
	int		 reading;	/* its socket has not reached its end */
	int		 writing;	/* the peer's end has not come */
	int		 peer_end;	/* 'E' came: shut down once written */
	size_t		 credit;	/* what we may send the peer */
	size_t		 written;	/* to our socket, not yet credited */
	struct strbuf	 pending;	/* from the peer, for our socket */
};

struct mux {
	int		 in, out;	/* the connection (not closed here) */
	struct mux_channel ch[MUX_CHANNELS];
	struct strbuf	 tx;		/* frames for the connection */
	struct strbuf	 rx;		/* read from it: not a whole frame */
	int		 wake[2];	/* mux_stop writes to it */
	int		 stopping;
	int		 link_ended;	/* the connection's end was read */
	long long	 flush_until;
	enum mux_end	 end;
	char		*why;		/* MUX_BROKEN: what went wrong */
	pthread_t	 thread;
	int		 started;
};

/*
 * A mux on a connection read from in and written to out (they may be
 * one socket).  0, or -1 with why in d.
 */
int	mux_init(struct mux *, int in, int out, struct diag *);
/*
 * Channel n (< MUX_CHANNELS) on our socket fd, which the mux owns from
 * now on: the peer must add n too.  Before mux_start only.
 */
void	mux_add(struct mux *, unsigned n, int fd);
/*
 * What was read from the connection before the mux (after a greeting):
 * its first bytes.  Before mux_start only.
 */
void	mux_preload(struct mux *, const char *buf, size_t len);
/*
 * Runs the mux in a thread of its own, which blocks every signal (they
 * stay the caller's); it ends by itself when the connection ends, the
 * peer breaks the rules, or every channel has ended both ways.  0, or
 * -1 with why in d.
 */
int	mux_start(struct mux *, struct diag *);
/*
 * The same in this thread, until it ends: how (mux_why says why a
 * broken one broke).  Every channel's socket is closed by then.
 */
enum mux_end mux_run(struct mux *);
/*
 * Asks a running mux to end: what it has for the connection is written
 * first (up to MUX_FLUSH_MS), then every socket is closed; its end.
 */
enum mux_end mux_stop(struct mux *);
/* Waits for a mux started with mux_start to end by itself; its end. */
enum mux_end mux_wait(struct mux *);
const char *mux_why(const struct mux *);
/* After it ended, or when it never started. */
void	mux_free(struct mux *);

#endif
