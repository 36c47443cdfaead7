/*
 * pagelog.c - LD_PRELOAD: which LMDB pages a process writes, for counting
 * the pages (and the block-device write requests) of a commit
 *
 *   gcc -O2 -shared -fPIC -o /tmp/pagelog.so tests/bench/pagelog.c -ldl
 *   PAGELOG=/tmp/pages.txt LD_PRELOAD=/tmp/pagelog.so \
 *       tests/bench/drive_milter -n 1000 CONF
 *   tests/bench/pagelog.py /tmp/pages.txt 1
 *
 * Every write to a file named data.mdb (LMDB 0.9 writes a commit's dirty
 * pages with pwrite, or lseek and writev for pages in a row, then its meta
 * page with a short pwrite) is logged, one line a 4 KiB page:
 *   W pgno flags nkeys NODE...  a branch or leaf page: for a branch each
 *                               child "cPGNO:KSIZE:KEYHEX" (key of the first
 *                               two), for a leaf its first and last node
 *                               "k:KSIZE:KEYHEX:v:DSIZE:NODEFLAGS:VALUEHEAD"
 *   O pgno npages               an overflow page
 *   Z pgno / X pgno             zeros (store.c's keep_ahead) / other data
 *   U off len                   a write not at a page boundary: LMDB's
 *                               meta page, the end of a commit
 *   S                           fdatasync or fsync
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAXFD 4096

static FILE *lg;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char isdata[MAXFD];   /* 0 unknown, 1 data.mdb, 2 other */
static off_t pos[MAXFD];     /* after lseek, for writev */

static int tracked(int fd)
{
    char p[64], t[512];
    ssize_t n;

    if (fd < 0 || fd >= MAXFD)
        return 0;
    if (isdata[fd])
        return isdata[fd] == 1;
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    n = readlink(p, t, sizeof(t) - 1);
    if (n <= 0)
        return 0;
    t[n] = '\0';
    isdata[fd] = n >= 8 && strcmp(t + n - 8, "data.mdb") == 0 ? 1 : 2;
    return isdata[fd] == 1;
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[b[i] >> 4];
        out[2 * i + 1] = h[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static void logpage(const unsigned char *pg, off_t off)
{
    uint64_t pgno;
    uint16_t flags, lower;
    char kh[1024], vh[64];
    int nk;

    memcpy(&pgno, pg, 8);
    memcpy(&flags, pg + 10, 2);
    memcpy(&lower, pg + 12, 2);
    if ((uint64_t)off / 4096 != pgno) {
        int zero = 1;
        for (int i = 0; i < 4096 && zero; i++)
            zero = pg[i] == 0;
        fprintf(lg, "%s %lld\n", zero ? "Z" : "X", (long long)(off / 4096));
        return;
    }
    if (flags & 0x04) {   /* P_OVERFLOW */
        uint32_t n;
        memcpy(&n, pg + 12, 4);
        fprintf(lg, "O %llu %u\n", (unsigned long long)pgno, n);
        return;
    }
    nk = (lower - 16) >> 1;
    fprintf(lg, "W %llu %u %d", (unsigned long long)pgno, flags, nk);
    for (int i = 0; i < nk; i++) {
        uint16_t ptr, lo, hi, nf, ks;
        const unsigned char *nd;
        memcpy(&ptr, pg + 16 + 2 * i, 2);
        nd = pg + ptr;
        memcpy(&lo, nd, 2);
        memcpy(&hi, nd + 2, 2);
        memcpy(&nf, nd + 4, 2);
        memcpy(&ks, nd + 6, 2);
        if (ptr + 8 + ks > 4096 || ks > 511)
            break;
        if (flags & 0x01) {   /* P_BRANCH: the child's page number */
            uint64_t c = lo | (uint64_t)hi << 16 | (uint64_t)nf << 32;
            hex(nd + 8, i < 2 ? ks : 0, kh);
            fprintf(lg, " c%llu:%u:%s", (unsigned long long)c, ks, kh);
        } else if (i == 0 || i == nk - 1) {
            uint32_t ds = lo | (uint32_t)hi << 16;
            size_t vn = ds < 24 ? ds : 24;
            if ((nf & 1) || ptr + 8 + ks + vn > 4096)   /* F_BIGDATA */
                vn = 0;
            hex(nd + 8, ks, kh);
            hex(nd + 8 + ks, vn, vh);
            fprintf(lg, " k:%u:%s:v:%u:%u:%s", ks, kh, ds, nf, vh);
        }
    }
    fprintf(lg, "\n");
}

static void logbuf(const void *buf, size_t n, off_t off)
{
    if (lg == NULL) {
        const char *f = getenv("PAGELOG");
        lg = fopen(f ? f : "/tmp/pagelog.txt", "a");
        if (lg == NULL)
            abort();
        setvbuf(lg, NULL, _IOFBF, 1 << 20);
    }
    if (buf == NULL) {
        fprintf(lg, "S\n");
        return;
    }
    if (off % 4096 != 0) {
        fprintf(lg, "U %lld %zu\n", (long long)off, n);
        return;
    }
    for (size_t o = 0; o + 4096 <= n; o += 4096)
        logpage((const unsigned char *)buf + o, off + (off_t)o);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);

    if (real == NULL)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (tracked(fd)) {
        pthread_mutex_lock(&mu);
        logbuf(buf, n, off);
        pthread_mutex_unlock(&mu);
    }
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

off_t lseek(int fd, off_t off, int whence)
{
    static off_t (*real)(int, off_t, int);
    off_t r;

    if (real == NULL)
        real = (off_t(*)(int, off_t, int))dlsym(RTLD_NEXT, "lseek");
    r = real(fd, off, whence);
    if (fd >= 0 && fd < MAXFD)
        pos[fd] = r;
    return r;
}

off_t lseek64(int fd, off_t off, int whence)
{
    return lseek(fd, off, whence);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    static ssize_t (*real)(int, const struct iovec *, int);
    ssize_t r;

    if (real == NULL)
        real = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    if (tracked(fd)) {
        off_t o = pos[fd];
        pthread_mutex_lock(&mu);
        for (int i = 0; i < cnt; i++) {
            logbuf(iov[i].iov_base, iov[i].iov_len, o);
            o += (off_t)iov[i].iov_len;
        }
        pthread_mutex_unlock(&mu);
    }
    r = real(fd, iov, cnt);
    if (r > 0 && fd >= 0 && fd < MAXFD)
        pos[fd] += r;
    return r;
}

static int logsync(int fd, const char *name)
{
    static int (*real[2])(int);
    int i = name[1] == 'd';

    if (real[i] == NULL)
        real[i] = (int (*)(int))dlsym(RTLD_NEXT, name);
    if (tracked(fd)) {
        pthread_mutex_lock(&mu);
        logbuf(NULL, 0, 0);
        pthread_mutex_unlock(&mu);
    }
    return real[i](fd);
}

int fdatasync(int fd)
{
    return logsync(fd, "fdatasync");
}

int fsync(int fd)
{
    return logsync(fd, "fsync");
}

__attribute__((destructor)) static void done(void)
{
    if (lg != NULL)
        fflush(lg);
}
