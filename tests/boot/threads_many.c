/* lull-test: status=0 smp=1,2,4 mem=256M
 * expect: ^1000 threads created and joined, sum 500500$
 */
/* 1,000 threads, 50 alive at a time, each returning its number. */
#include <pthread.h>
#include <stdio.h>

#define TOTAL 1000
#define BATCH 50

static void *identity(void *arg)
{
	return arg;
}

int main(void)
{
	long sum = 0;
	pthread_t t[BATCH];

	for (long base = 1; base <= TOTAL; base += BATCH) {
		for (long i = 0; i < BATCH; i++)
			if (pthread_create(&t[i], NULL, identity, (void *)(base + i)) != 0) {
				printf("pthread_create failed at %ld\n", base + i);
				return 1;
			}
		for (long i = 0; i < BATCH; i++) {
			void *r;
			pthread_join(t[i], &r);
			sum += (long)r;
		}
	}
	printf("%d threads created and joined, sum %ld\n", TOTAL, sum);
	return sum == (long)TOTAL * (TOTAL + 1) / 2 ? 0 : 1;
}
