/* thread.c: thread records. The application has a single thread for now. */
#include "sched/thread.h"

static struct thread main_thread = { .tid = 1, .name = "main" };
static struct thread *current;

struct thread *thread_current(void)
{
	return current;
}

struct thread *thread_create_main(void)
{
	current = &main_thread;
	return current;
}
