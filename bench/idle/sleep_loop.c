/* bench-idle (b): one thread sleeping in a 1-second nanosleep loop. */
#include "stats.h"

#include <time.h>

int main(int argc, char **argv)
{
	struct timespec second = { 1, 0 };

	for (int i = bench_seconds(argc, argv); i > 0; i--)
		nanosleep(&second, NULL);
	bench_report_and_exit();
}
