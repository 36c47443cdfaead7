/*
 * secret.c - sr_secret: an API token or signing key read from a file
 *
 * The text never leaves through a public getter: the HTTP drivers read it
 * with srp_secret_data() to build an Authorization header or a signature.
 * The file must not be readable by others; a trailing newline is dropped.
 */
#include "build-config.h"

#include "storeconf.h"

#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAX 4096

struct sr_secret {
    char *path;
    char *data;
    size_t len;
};

static void wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(p, n);
#else
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
#endif
}

/* srp_secret_load - read a secret file (at most 4 KiB, mode not o+r) */
sr_secret *srp_secret_load(const char *path, sr_error *err)
{
    char buf[SECRET_MAX + 1];
    struct stat sb;
    sr_secret *s;
    ssize_t n;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        srp_error(err, SR_ECONFIG, errno, path, "cannot read secret file: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        srp_error(err, SR_ECONFIG, 0, path, "secret file is not a regular file");
        return NULL;
    }
    if (sb.st_mode & S_IROTH) {
        close(fd);
        srp_error(err, SR_ECONFIG, 0, path,
                  "secret file is readable by others; chmod o-r (0600 or 0640)");
        return NULL;
    }
    while ((n = read(fd, buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)n;
    close(fd);
    if (n < 0 || len > SECRET_MAX) {
        wipe(buf, sizeof(buf));
        srp_error(err, SR_ECONFIG, 0, path, "secret file unreadable or larger than 4 KiB");
        return NULL;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    if (len == 0) {
        srp_error(err, SR_ECONFIG, 0, path, "secret file is empty");
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->path = strdup(path)) == NULL || (s->data = malloc(len + 1)) == NULL) {
        if (s)
            free(s->path);
        free(s);
        wipe(buf, sizeof(buf));
        srp_error(err, SR_ENOMEM, ENOMEM, path, "out of memory");
        return NULL;
    }
    memcpy(s->data, buf, len);
    s->data[len] = '\0';
    s->len = len;
    wipe(buf, sizeof(buf));
    return s;
}

void srp_secret_free(sr_secret *s)
{
    if (s == NULL)
        return;
    wipe(s->data, s->len);
    free(s->data);
    free(s->path);
    free(s);
}

const char *srp_secret_data(const sr_secret *s, size_t *len)
{
    if (len)
        *len = s ? s->len : 0;
    return s ? s->data : "";
}

const char *srp_secret_path(const sr_secret *s)
{
    return s ? s->path : "";
}
