/* lull-test: status=0
 * expect: ^Hello from Lull on x86_64!$
 */
/* The smallest program: printf through musl's stdio. */
#include <stdio.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;

	if (uname(&u) != 0)
		return 1;
	printf("Hello from %s on %s!\n", u.sysname, u.machine);
	return 0;
}
