/* hello: the smallest Lull application, an ordinary C program. */
#include <stdio.h>
#include <sys/utsname.h>

int main(int argc, char **argv)
{
	struct utsname u;

	uname(&u);
	printf("Hello from %s on %s!\n", u.sysname, u.machine);
	for (int i = 1; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	return 0;
}
