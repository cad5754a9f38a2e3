/* eventfd.h: eventfd(2). */
#ifndef LULL_IO_EVENTFD_H
#define LULL_IO_EVENTFD_H

/* Returns a new descriptor or a negative errno. */
long eventfd_open(unsigned initial, int flags);

#endif
