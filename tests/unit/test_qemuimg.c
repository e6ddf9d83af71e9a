/*
 * test_qemuimg.c - qemu-img's argument vectors, word for word, against a
 * fake qemu-img first in PATH that writes down its words: every image
 * named with its format (never probed), names with commas escaped where
 * they go into options, the progress read as it comes, and qemu-img's
 * complaint as the error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "qemuimg.h"
#include "unit.h"

/*
 * A fake qemu-img in a folder of its own, first in PATH: it writes its
 * words one a line into the folder's "argv", prints progress when it
 * has -p, and fails when one of its words is "fail".  The folder.
 */
static const char *
fake_qemu_img(void)
{
	static char path[4096];
	const char *dir = unit_tmpdir();
	char *bin;

	bin = unit_writes(dir, "qemu-img",
	    "#!/bin/sh\n"
	    "printf '%s\\n' \"$@\" > \"$(dirname \"$0\")/argv\"\n"
	    "for w; do\n"
	    "  [ \"$w\" = -p ] && printf '    (0.00/100%%)\\r    (50.00/1'"
	    " && sleep 0.1 && printf '00%%)\\r    (100.00/100%%)\\r'\n"
	    "  [ \"$w\" = fail ] && { echo 'qemu-img: fail: Could not open' "
	    ">&2; exit 1; }\n"
	    "done\n"
	    "exit 0\n");
	chmod(bin, 0755);
	snprintf(path, sizeof(path), "%s:%s", dir, getenv("PATH"));
	setenv("PATH", path, 1);
	return dir;
}

/* The fake's words, joined by blanks. */
static const char *
words(const char *dir)
{
	static char line[4096];
	const char *argv = unit_reads(dir, "argv");
	size_t i;

	snprintf(line, sizeof(line), "%s", argv != NULL ? argv : "");
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n')
			line[i] = line[i + 1] != '\0' ? ' ' : '\0';
	return line;
}

static void
note(double percent, void *arg)
{
	struct strbuf *sb = arg;

	sb_addf(sb, "%.0f ", percent);
}

TEST(qemuimg_argument_vectors)
{
	char *oldpath = xstrdup(getenv("PATH"));
	const char *dir = fake_qemu_img();
	struct strbuf seen;
	struct qimg_progress p = { note, &seen };
	struct diag d;

	diag_init(&d);
	sb_init(&seen);
	CHECK(qimg_create("/b/0002-disk1.qcow2.partial", 2147483648ULL,
	    "0001-disk1.qcow2", "qcow2", &d) == 0);
	CHECK_STR(words(dir), "create -q -f qcow2 -u -b 0001-disk1.qcow2 -F "
	    "qcow2 /b/0002-disk1.qcow2.partial 2147483648");
	CHECK(qimg_convert("/srv/a,b.img", "raw", "/b/x.partial", "qcow2",
	    5242880, &p, &d) == 0);
	CHECK_STR(words(dir), "convert -p -r 5242880 -f raw -O qcow2 "
	    "/srv/a,b.img /b/x.partial");
	/* The progress, however its output was cut. */
	CHECK_STR(seen.s, "0 50 100 ");
	CHECK(qimg_rebase("/b/x.partial", "0001-disk1.qcow2", "qcow2", NULL,
	    &d) == 0);
	CHECK_STR(words(dir), "rebase -q -f qcow2 -b 0001-disk1.qcow2 -F "
	    "qcow2 /b/x.partial");
	/* snapshot has no -f: the format in the image's options. */
	CHECK(qimg_snapshot(QIMG_SNAPSHOT_APPLY, "/srv/a,b.qcow2", "before",
	    &d) == 0);
	CHECK_STR(words(dir), "snapshot -q --image-opts -a before "
	    "driver=qcow2,file.driver=file,file.filename=/srv/a,,b.qcow2");
	CHECK(qimg_bitmap(0, "/srv/web.qcow2", "qemu-init-00c0ffee-01", &d) ==
	    0);
	CHECK_STR(words(dir), "bitmap --remove -f qcow2 /srv/web.qcow2 "
	    "qemu-init-00c0ffee-01");
	CHECK(d.n == 0);
	CHECK(qimg_snapshot(QIMG_SNAPSHOT_CREATE, "/srv/web.qcow2", "fail",
	    &d) == -1);
	CHECK_STR(diag_first_error(&d), "qemu-img snapshot failed: qemu-img: "
	    "fail: Could not open");
	diag_clear(&d);
	sb_free(&seen);
	setenv("PATH", oldpath, 1);
	free(oldpath);
}
