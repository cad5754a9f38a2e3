/*
 * host_kernel.c: the clock, random numbers and memory of host.h, as the
 * kernel has them (the lock and timer are interface.c's, socket change
 * notification socket_file.c's).
 */
#include "inet/host.h"

#include "arch.h"
#include "mm/kmalloc.h"

uint64_t inet_clock_ns(void)
{
	return arch_clock_ns();
}

bool inet_hw_random(uint64_t *out)
{
	return arch_hw_random(out);
}

void *inet_alloc(size_t size)
{
	return kmalloc(size);
}

void *inet_alloc_buffer(size_t size)
{
	return kmalloc_buffer(size);
}

void inet_free(void *p, size_t size)
{
	kfree(p, size);
}
