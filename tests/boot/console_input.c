/* lull-test: status=0
 * stdin: ping from the host
 * expect: ^read: ping from the host$
 */
/* Reading standard input waits (halted) for the serial port's interrupt
 * and returns what the host typed. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[128];

	if (!fgets(line, sizeof line, stdin))
		return 1;
	line[strcspn(line, "\n")] = '\0';
	printf("read: %s\n", line);
	return 0;
}
