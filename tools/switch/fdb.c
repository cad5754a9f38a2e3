/* fdb.c: the forwarding database (see fdb.h): an open-addressing table
 * under one mutex. Entries are never removed, only aged or overwritten;
 * a port's entries die with its generation. */
#include "fdb.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#define FDB_SIZE 1024 /* a power of two */
#define FDB_PROBES 16
#define FDB_AGE_SECONDS 300

struct fdb_entry {
	uint8_t mac[6];
	bool used;
	int port;
	unsigned generation;
	time_t seen;
};

static struct fdb_entry table[FDB_SIZE];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned mac_hash(const uint8_t mac[6])
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (int i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & (FDB_SIZE - 1);
}

static time_t now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
	return t.tv_sec;
}

static bool expired(const struct fdb_entry *e, time_t now)
{
	return !e->used || now - e->seen > FDB_AGE_SECONDS;
}

/* The entry for mac, else the first expired slot on its probe path (or
 * NULL when the path is full of live entries: that MAC is flooded). */
static struct fdb_entry *find(const uint8_t mac[6], time_t now, bool *found)
{
	struct fdb_entry *free_slot = NULL;
	unsigned h = mac_hash(mac);

	for (unsigned i = 0; i < FDB_PROBES; i++) {
		struct fdb_entry *e = &table[(h + i) & (FDB_SIZE - 1)];
		if (e->used && !memcmp(e->mac, mac, 6)) {
			*found = !expired(e, now);
			return e;
		}
		if (!free_slot && expired(e, now))
			free_slot = e;
	}
	*found = false;
	return free_slot;
}

void fdb_learn(const uint8_t mac[6], int port, unsigned generation)
{
	if (mac[0] & 1)
		return; /* a group address never sends */
	time_t now = now_seconds();
	bool found;
	pthread_mutex_lock(&table_lock);
	struct fdb_entry *e = find(mac, now, &found);
	if (e) {
		memcpy(e->mac, mac, 6);
		e->used = true;
		e->port = port;
		e->generation = generation;
		e->seen = now;
	}
	pthread_mutex_unlock(&table_lock);
}

int fdb_lookup(const uint8_t mac[6], unsigned *generation)
{
	if (mac[0] & 1)
		return FDB_FLOOD;
	bool found;
	int port = FDB_FLOOD;
	pthread_mutex_lock(&table_lock);
	struct fdb_entry *e = find(mac, now_seconds(), &found);
	if (found) {
		port = e->port;
		*generation = e->generation;
	}
	pthread_mutex_unlock(&table_lock);
	return port;
}
