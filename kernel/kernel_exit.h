/* kernel_exit.h: the end of the program, and so of the VM. */
#ifndef LULL_KERNEL_EXIT_H
#define LULL_KERNEL_EXIT_H

_Noreturn void kernel_exit(int status);

#endif
