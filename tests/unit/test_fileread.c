/* test_fileread.c - reading config files whole, bounded */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fileread.h"
#include "unit.h"

TEST(fileread_reads_and_refuses)
{
	const char *dir = unit_tmpdir();
	struct strbuf sb;
	struct diag d;
	char *path;

	diag_init(&d);
	sb_init(&sb);
	path = xstrdup(unit_writes(dir, "a.cfg", "A=1\n"));
	CHECK(file_read(path, &sb, 0, &d) == 0 && sb.len == 4);
	CHECK_STR(sb.s, "A=1\n");
	free(path);
	path = xasprintf("%s/none", dir);
	CHECK(file_read(path, &sb, 1, &d) == 1 && d.n == 0);
	CHECK(file_read(path, &sb, 0, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "none: No such file") != NULL);
	diag_clear(&d);
	CHECK(config_read(dir, &sb, 0, &d) == -1);
	CHECK(strstr(diag_first_error(&d), ": is a directory") != NULL);
	diag_clear(&d);
	free(path);
	sb_free(&sb);
}

/* 1 MiB at the most, and the error names the line where it ends. */
TEST(fileread_size_limit_names_the_line)
{
	const char *dir = unit_tmpdir();
	size_t n = CFG_MAX_SIZE, i;
	struct strbuf sb;
	struct diag d;
	char *text, *path, *want;

	text = malloc(n + 1);
	for (i = 0; i < n; i += 4)
		memcpy(text + i, "A=1\n", 4);
	path = xstrdup(unit_write(dir, "max.cfg", text, n));
	diag_init(&d);
	sb_init(&sb);
	CHECK(config_read(path, &sb, 0, &d) == 0 && sb.len == n);
	free(path);
	text[n] = 'x';
	path = xstrdup(unit_write(dir, "big.cfg", text, n + 1));
	CHECK(config_read(path, &sb, 0, &d) == -1);
	want = xasprintf("%s:%zu: file larger than 1 MiB", path, n / 4 + 1);
	CHECK_STR(diag_first_error(&d), want);
	free(want);
	free(path);
	free(text);
	sb_free(&sb);
	diag_clear(&d);
}

/* As root: the folders on the way must be root's and no one else's. */
TEST(fileread_folders_as_strict_as_the_file)
{
	const char *tmp = unit_tmpdir();
	char *dir, *file, *sticky, *inner;
	struct diag d;

	if (geteuid() != 0)
		return;		/* checked only when running as root */
	dir = xasprintf("%s/vm", tmp);
	CHECK(mkdir(dir, 0755) == 0);
	file = xstrdup(unit_writes(tmp, "vm/web-qemu.cfg", "RAM=1G\n"));
	diag_init(&d);
	CHECK(path_folders_trusted(file, &d) == 1);
	CHECK(chmod(dir, 0775) == 0);
	CHECK(path_folders_trusted(file, &d) == 0);
	CHECK(strstr(diag_first_error(&d), "folder writable by group or "
	    "others: refused while running as root (chmod go-w ") != NULL);
	diag_clear(&d);
	CHECK(chmod(dir, 0755) == 0 && chown(dir, 65534, 65534) == 0);
	CHECK(path_folders_trusted(file, &d) == 0);
	CHECK(strstr(diag_first_error(&d), "folder owned by uid 65534, not "
	    "root") != NULL);
	diag_clear(&d);
	CHECK(chown(dir, 0, 0) == 0);
	/* A sticky folder (/tmp) above the file's own is fine... */
	sticky = xasprintf("%s/sticky", tmp);
	inner = xasprintf("%s/sticky/vm", tmp);
	CHECK(mkdir(sticky, 0755) == 0 && chmod(sticky, 01777) == 0 &&
	    mkdir(inner, 0755) == 0);
	free(file);
	file = xstrdup(unit_writes(tmp, "sticky/vm/web-qemu.cfg", "RAM=1G\n"));
	CHECK(path_folders_trusted(file, &d) == 1);
	/* ...but not as the file's own. */
	free(file);
	file = xstrdup(unit_writes(tmp, "sticky/web-qemu.cfg", "RAM=1G\n"));
	CHECK(path_folders_trusted(file, &d) == 0);
	diag_clear(&d);
	free(file);
	free(inner);
	free(sticky);
	free(dir);
}

/* A FIFO is refused before it is opened: no wait for a writer. */
TEST(fileread_opens_regular_files_only)
{
	const char *tmp = unit_tmpdir();
	char *fifo = xasprintf("%s/fifo", tmp);
	struct diag d;

	CHECK(mkfifo(fifo, 0644) == 0);
	diag_init(&d);
	CHECK(file_open_regular(fifo, O_RDONLY, &d) == -1);
	CHECK(strstr(diag_first_error(&d), "not a regular file") != NULL);
	CHECK(file_open_image(fifo, O_RDONLY, &d) == -1);
	CHECK(file_open_regular(tmp, O_RDONLY, &d) == -1);
	diag_clear(&d);
	free(fifo);
}
