/* SPDX-License-Identifier: MIT */
/* Replays saved inputs through a fuzz target without libFuzzer, so the seed
 * corpus and every saved crasher run as tests with any compiler. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* No seed or crasher is near this; a bigger file is a mistake. */
#define INPUT_MAX (1024 * 1024)
#define EXIT_HARNESS 99

/*
 * Runs the target on the file at path. Returns 0, or -1 when the file
 * could not be read (a crash in the target never returns).
 */
static int
run_file(const char *path)
{
	FILE *f;
	uint8_t *data = NULL;
	size_t n;
	int ret = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "regress: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* One byte more than allowed tells a too-big file from a full one. */
	if ((data = malloc(INPUT_MAX + 1)) == NULL) {
		fprintf(stderr, "regress: out of memory\n");
		goto out;
	}
	n = fread(data, 1, INPUT_MAX + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "regress: %s: read error\n", path);
		goto out;
	}
	if (n > INPUT_MAX) {
		fprintf(stderr, "regress: %s: larger than %d bytes\n", path,
			INPUT_MAX);
		goto out;
	}
	printf("%s (%zu bytes)\n", path, n);
	fflush(stdout);
	(void)LLVMFuzzerTestOneInput(data, n);
	ret = 0;
out:
	free(data);
	fclose(f);
	return ret;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Runs every regular file directly in dir (not dot files), in name order
 * so a run is repeatable. Adds the count to *ran. Returns 0 or -1.
 */
static int
run_dir(const char *dir, size_t *ran)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char **names = NULL, **grown, path[4096];
	size_t n = 0, cap = 0, i;
	int ret = -1;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "regress: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(names, cap * sizeof(*names))) ==
			    NULL)
				goto out;
			names = grown;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto out;
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		int len = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

		if (len < 0 || (size_t)len >= sizeof(path)) {
			fprintf(stderr, "regress: %s/%s: path too long\n", dir,
				names[i]);
			goto out;
		}
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) == -1)
			goto out;
		(*ran)++;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}

int
main(int argc, char **argv)
{
	struct stat st;
	size_t ran = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return EXIT_HARNESS;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			/* regress/<target>/ exists only once something
			 * crashed; the corpus check below still catches a
			 * wrong path. */
			if (errno == ENOENT) {
				printf("%s: absent, skipped\n", argv[i]);
				continue;
			}
			fprintf(stderr, "regress: %s: %s\n", argv[i],
				strerror(errno));
			return EXIT_HARNESS;
		}
		if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &ran) == -1)
				return EXIT_HARNESS;
		} else {
			if (run_file(argv[i]) == -1)
				return EXIT_HARNESS;
			ran++;
		}
	}
	if (ran == 0) {
		fprintf(stderr, "regress: no input found\n");
		return EXIT_HARNESS;
	}
	printf("regress: %zu inputs replayed\n", ran);
	return 0;
}
