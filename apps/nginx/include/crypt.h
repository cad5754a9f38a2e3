/*
 * crypt.h: stands in for musl's <crypt.h>, which Debian's musl-dev does not
 * ship (nor crypt() in its libc.a). nginx's ngx_linux_config.h includes it
 * on every Linux build; configure then finds no crypt(), so nginx uses only
 * its own password schemes and needs nothing from this header but what
 * musl's <unistd.h> already declares.
 */
#ifndef LULL_APPS_NGINX_CRYPT_H
#define LULL_APPS_NGINX_CRYPT_H
#include <unistd.h>
#endif
