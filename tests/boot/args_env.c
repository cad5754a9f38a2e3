/* lull-test: status=0
 * args: GREETING=hello|MODE=test|--|one|two words|A=B
 * expect: ^argc=4$
 * expect: ^argv\[2\]=two words$
 * expect: ^argv\[3\]=A=B$
 * expect: ^GREETING=hello MODE=test$
 */
/* The kernel command line becomes argv; KEY=VALUE words before "--" become
 * the environment. Exits 1 if anything differs from what was passed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	const char *greeting = getenv("GREETING"), *mode = getenv("MODE");
	printf("GREETING=%s MODE=%s\n", greeting ? greeting : "(unset)", mode ? mode : "(unset)");

	int ok = argc == 4 && !strcmp(argv[1], "one") && !strcmp(argv[2], "two words") &&
		 !strcmp(argv[3], "A=B") && greeting && !strcmp(greeting, "hello") && mode &&
		 !strcmp(mode, "test") && !getenv("A");
	return ok ? 0 : 1;
}
