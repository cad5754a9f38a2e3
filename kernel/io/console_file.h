/* console_file.h: standard input, output and error. */
#ifndef LULL_IO_CONSOLE_FILE_H
#define LULL_IO_CONSOLE_FILE_H

/* Opens descriptors 0, 1 and 2 on the console. */
void console_file_open_std(void);

#endif
