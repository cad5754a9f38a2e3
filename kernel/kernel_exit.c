/* kernel_exit.c: ends the VM with the application's exit status. */
#include "kernel_exit.h"

#include "arch.h"

void kernel_exit(int status)
{
	arch_exit_vm(status);
}
