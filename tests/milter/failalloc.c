/*
 * failalloc.c - an LD_PRELOAD shim for the milter's tests: calloc fails,
 * as out of memory, while the file $SRM_FAILALLOC exists, for requests of
 * at least the number of bytes the file holds (empty: any) made by the
 * executable itself: sentiroute-milter's connection and message contexts.  What the
 * libraries allocate (libmilter, GLib, GMime, the store) goes through, so
 * the filter starts normally and the test turns the failure on and off
 * with the file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

void *__libc_calloc(size_t nmemb, size_t size);

static uintptr_t exe_lo, exe_hi;

/* exe_range - the first object dl_iterate_phdr reports is the program:
 * note where its executable segments lie */
static int exe_range(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        if (exe_lo == 0 || lo < exe_lo)
            exe_lo = lo;
        if (hi > exe_hi)
            exe_hi = hi;
    }
    return 1;   /* the program only */
}

/* find_exe - before main and any thread */
__attribute__((constructor)) static void find_exe(void)
{
    dl_iterate_phdr(exe_range, NULL);
}

void *calloc(size_t nmemb, size_t size)
{
    uintptr_t caller = (uintptr_t)__builtin_return_address(0);
    const char *flag = getenv("SRM_FAILALLOC");

    if (flag != NULL && *flag != '\0' && caller >= exe_lo && caller < exe_hi) {
        char min[32];
        ssize_t n = -1;
        int fd = open(flag, O_RDONLY);
        if (fd >= 0) {
            n = read(fd, min, sizeof(min) - 1);
            close(fd);
        }
        if (n >= 0) {
            min[n] = '\0';
            if (nmemb * size >= (size_t)atol(min))
                return NULL;
        }
    }
    return __libc_calloc(nmemb, size);
}
