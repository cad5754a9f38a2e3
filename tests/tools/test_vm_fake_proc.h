/* test_vm_fake_proc.h: building a fake /proc tree in a temporary directory,
 * for the tests of the VM scan and of `lull top`'s samples. */
#ifndef TEST_VM_FAKE_PROC_H
#define TEST_VM_FAKE_PROC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char root[64];

/* Makes root a new empty directory named after the test. */
static void fake_proc_create(const char *name)
{
	snprintf(root, sizeof root, "/tmp/%s.XXXXXX", name);
	assert_non_null(mkdtemp(root));
}

/* Writes ROOT/REL, making its directories. */
static void put(const char *rel, const void *data, size_t len)
{
	char path[512], dir[512];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		snprintf(dir, sizeof dir, "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fwrite(data, 1, len, f);
	fclose(f);
}

static int fake_proc_remove(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	return system(cmd);
}

#endif
