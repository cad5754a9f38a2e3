/* lull-test: status=0 mem=64M
 * expect: ^malloc returned NULL with ENOMEM after [0-9]+ MiB$
 * expect: ^huge mmap: ENOMEM$
 * expect: ^memory usable again$
 */
/* Exhausting memory is an error the program sees, not a crash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK (1u << 20)
#define MAX_CHUNKS 4096

static void *chunks[MAX_CHUNKS];

int main(void)
{
	size_t n = 0;

	errno = 0;
	while (n < MAX_CHUNKS && (chunks[n] = malloc(CHUNK)) != NULL)
		memset(chunks[n++], 1, CHUNK);
	if (n == MAX_CHUNKS || errno != ENOMEM) {
		printf("expected ENOMEM, got n=%zu errno=%d\n", n, errno);
		return 1;
	}
	printf("malloc returned NULL with ENOMEM after %zu MiB\n", n);

	void *huge = mmap(NULL, (size_t)1 << 40, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (huge != MAP_FAILED || errno != ENOMEM)
		return 1;
	printf("huge mmap: ENOMEM\n");

	while (n)
		free(chunks[--n]);
	void *again = malloc(16 * CHUNK);
	if (!again)
		return 1;
	memset(again, 2, 16 * CHUNK);
	printf("memory usable again\n");
	return 0;
}
