/*
 * echo: a TCP echo server, one thread per connection.
 *
 *   lull run build/examples/echo.elf -p 7000:7000 -- [PORT]
 *
 * Prints "listening on PORT" once ready; with a second argument N it exits
 * after serving N connections (for tests).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[16384];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0) {
				close(fd);
				return NULL;
			}
			off += w;
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7000;
	long limit = argc > 2 ? atol(argv[2]) : -1;
	int one = 1;
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	int listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 128)) {
		perror("echo: cannot listen");
		return 1;
	}
	printf("listening on %d\n", port);
	fflush(stdout);
	pthread_t threads[1024];
	long served = 0;
	while (limit < 0 || served < limit) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0) {
			perror("echo: accept");
			return 1;
		}
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (pthread_create(&threads[served % 1024], &attr, serve, (void *)(long)fd) != 0) {
			close(fd);
			continue;
		}
		served++;
		if (limit < 0)
			pthread_detach(threads[(served - 1) % 1024]);
	}
	for (long i = 0; i < served && i < 1024; i++)
		pthread_join(threads[i], NULL);
	printf("served %ld connections\n", served);
	return 0;
}
