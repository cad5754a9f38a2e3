/* lull-test: status=42
 * expect: ^exiting with 42$
 */
/* The application's exit status becomes the VM's. */
#include <stdio.h>

int main(void)
{
	printf("exiting with 42\n");
	return 42;
}
