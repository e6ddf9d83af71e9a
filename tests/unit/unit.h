/*
 * unit.h - the unit test harness: TEST() defines a test, CHECK() an
 * assertion.  Each test file covers one library module.
 */
#ifndef QI_UNIT_H
#define QI_UNIT_H

#include <stddef.h>

void	unit_register(const char *, void (*)(void));
int	unit_check(int, const char *, const char *, int);
int	unit_check_str(const char *, const char *, const char *, const char *,
	    const char *, int);
/* A fresh empty folder, removed with its contents at exit. */
const char *unit_tmpdir(void);
struct rundir;
/* Opens dir as a RUNDIR to write in (an assertion). */
void	unit_rundir(struct rundir *, const char *dir);
/* Writes len bytes into dir/name; returns the path (static per call). */
char	*unit_write(const char *dir, const char *name, const char *, size_t);
char	*unit_writes(const char *dir, const char *name, const char *);
/* What dir/name holds (the first 8 KiB; static), or NULL. */
const char *unit_reads(const char *dir, const char *name);
/*
 * The unit test program run as a fake QEMU (argv[0] fake-qemu-MODE):
 * test_lifecycle.c plays QEMU for start and stop.
 */
int	unit_fake_qemu(int argc, char **argv);

#define TEST(name) \
	static void name(void); \
	__attribute__((constructor)) static void name##_register(void) \
	{ unit_register(#name, name); } \
	static void name(void)

#define CHECK(c)	unit_check(!!(c), #c, __FILE__, __LINE__)
#define CHECK_STR(a, b)	unit_check_str((a), (b), #a, #b, __FILE__, __LINE__)

#endif
