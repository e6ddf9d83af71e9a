/*
 * replay.c - runs a libFuzzer target over files without libFuzzer: each
 * file named on the command line (or in a folder named there) is one
 * input.  Built with gcc, ASan and UBSan by make unit, so that every
 * target compiles against the library as it is now and passes its seed
 * corpus on every make check, clang or not.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* libFuzzer's own bound on an input in make fuzz (-max_len). */
#define REPLAY_MAX	4096

static int
replay_file(const char *path)
{
	static uint8_t data[REPLAY_MAX];
	size_t len;
	FILE *f;
	int over;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	len = fread(data, 1, sizeof(data), f);
	over = fgetc(f) != EOF;
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (over) {
		fprintf(stderr, "replay: %s: longer than %d bytes\n", path,
		    REPLAY_MAX);
		return -1;
	}
	LLVMFuzzerTestOneInput(data, len);
	return 0;
}

static int
replay(const char *path, unsigned *n)
{
	struct dirent **ents;
	struct stat st;
	char *sub;
	int i, k, rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*n)++;
		return replay_file(path);
	}
	if ((k = scandir(path, &ents, NULL, alphasort)) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < k; i++) {
		if (ents[i]->d_name[0] != '.') {
			if (asprintf(&sub, "%s/%s", path, ents[i]->d_name) < 0) {
				fprintf(stderr, "replay: out of memory\n");
				exit(1);
			}
			if (replay(sub, n) != 0)
				rc = -1;
			free(sub);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned n = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (replay(argv[i], &n) != 0)
			rc = 1;
	if (n == 0) {
		fprintf(stderr, "replay: no input\n");
		rc = 1;
	}
	printf("%s: %u inputs%s\n", argv[0], n, rc == 0 ? "" : ", FAILED");
	return rc;
}
