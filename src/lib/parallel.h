/*
 * parallel.h - doing one thing for many VMs at once (start -a, stop -a)
 * while reporting in order: each in a child process, whose output is
 * held back and shown in the order the VMs were named, as if they had
 * run one after another.
 */
#ifndef QI_PARALLEL_H
#define QI_PARALLEL_H

#include <stddef.h>

/*
 * Runs fn(i, arg) for every i in [0, n) in a child process of its own,
 * at most max at once, child i not before start_at[i] (now_ms() time;
 * start_at may be NULL).  What a child writes to stdout and stderr is
 * captured and written out, its stderr then its stdout, in the order of
 * i, each as soon as all before it are done.  Returns the worst (largest)
 * exit status; 128 + the signal for a child that was killed.
 */
int	parallel_run(size_t n, int (*fn)(size_t i, void *arg), void *arg,
	    size_t max, const long long *start_at);

#endif
