/* commands.h: the subcommands of `lull`; each returns the process's exit
 * status. */
#ifndef LULL_TOOL_COMMANDS_H
#define LULL_TOOL_COMMANDS_H

int cmd_build(int argc, char **argv);
int cmd_cc(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_disk(int argc, char **argv);

#endif
