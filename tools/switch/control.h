/* control.h: the switch's control socket, DIR/lull-switch.ctl: it marks
 * the directory as served by a running switch and answers `stats`. */
#ifndef LULL_SWITCH_CONTROL_H
#define LULL_SWITCH_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#define CONTROL_SOCKET_NAME "lull-switch.ctl"

/* Listens on DIR's control socket; fails when another switch runs there
 * (a socket left by one that died is replaced). */
int control_listen(const char *dir, char *err, size_t err_size);

/* Answers one client of the listening socket. */
void control_serve(int listen_fd);

/* The client: prints the running switch's counters (a table or one JSON
 * document) to stdout. Returns 0, or -1 with err set. */
int control_print_stats(const char *dir, bool json, char *err, size_t err_size);

#endif
