/* fdb.h: the switch's forwarding database: which port each source MAC
 * address was last seen on. Any thread may call these. */
#ifndef LULL_SWITCH_FDB_H
#define LULL_SWITCH_FDB_H

#include <stdint.h>

#define FDB_FLOOD (-1)

/* Records that `mac` sent from port (index, generation). */
void fdb_learn(const uint8_t mac[6], int port, unsigned generation);

/* The port that `mac` was last seen on, or FDB_FLOOD when unknown, aged
 * out (FDB_AGE_SECONDS), a group address, or on a port since reused
 * (its generation differs from *generation, which receives the entry's). */
int fdb_lookup(const uint8_t mac[6], unsigned *generation);

#endif
