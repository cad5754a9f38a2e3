/* thread.h: the threads of the application. */
#ifndef LULL_SCHED_THREAD_H
#define LULL_SCHED_THREAD_H

#include <stdint.h>

struct thread {
	int tid;
	char name[16];
};

/* The thread running on this core, or NULL before the first one starts. */
struct thread *thread_current(void);

/* Makes the application's first thread, which runs main(). */
struct thread *thread_create_main(void);

#endif
