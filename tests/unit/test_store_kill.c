/*
 * test_store_kill - writers (and readers) of one store in several
 * processes, one of them killed with SIGKILL at the worst moment: the
 * others must go on writing (reading).
 *
 * LMDB serialises writers of all processes with a robust process-shared
 * pthread mutex.  Its unlock wakes one waiter and clears the waiters bit,
 * counting on the woken waiter to set it again.  A waiter killed after its
 * wake-up and before it runs takes that duty with it: when another process
 * has taken the free mutex in that window (without the bit: it never
 * waited), the kernel's robust-list cleanup of the dead waiter sees a live
 * owner and wakes no one, and the remaining waiters sleep for ever while
 * the mutex is taken and released above them (seen in test_crash.py under
 * load: a writer at 0% CPU in mdb_txn_begin, nobody holding the mutex).
 *
 * The test builds that interleaving on purpose: X holds a write; W and then
 * B wait for it; W is made to sleep on a busy CPU (SCHED_IDLE), so X's
 * release wakes W but W does not run; X takes the next write at once; W is
 * killed; X releases for good.  B must then finish its write.
 */
#define _GNU_SOURCE
#include "build-config.h"

#include "store_testutil.h"

#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

typedef struct shared {
    volatile int w_ready, b_ready, w_go, b_go;
    volatile int w_writing, b_writing, b_done, w_done, x_holding, x_holds;
    volatile int x_skip;   /* the lock file is not laid out as expected */
} shared;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* state_of - the scheduler state letter of pid ('?' when gone) */
static char state_of(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *fp;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((fp = fopen(path, "r")) == NULL)
        return '?';
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

/* asleep - pid has slept for 200 ms in a row (blocked, not preempted) */
static int asleep(pid_t pid, double bound)
{
    double end = now() + bound, since = 0;

    while (now() < end) {
        if (state_of(pid) == 'S') {
            if (since == 0)
                since = now();
            else if (now() - since >= 0.2)
                return 1;
        } else {
            since = 0;
        }
        usleep(5000);
    }
    return 0;
}

static int wait_flag(volatile int *flag, double bound)
{
    double end = now() + bound;

    while (!*flag && now() < end)
        usleep(1000);
    return *flag;
}

static int nop_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    (void)st, (void)txn, (void)arg, (void)err;
    return SR_OK;
}

/* X: each byte on cmd is a request: 'h' hold a write until the next byte,
 * 'R' release and take the next write at once, 'r' release, 'q' quit */
typedef struct xhold {
    int cmd;
    shared *sh;
    char next;
} xhold;

static int hold_write(sr_store *st, MDB_txn *txn, void *arg, sr_error *err)
{
    xhold *x = arg;

    (void)st, (void)txn, (void)err;
    x->sh->x_holding = 1;
    x->sh->x_holds++;
    if (read(x->cmd, &x->next, 1) != 1)
        x->next = 'q';
    x->sh->x_holding = 0;
    return SR_OK;
}

static sr_store *child_store(const char *dir)
{
    sr_ctx *ctx = st_ctx(NULL);
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err);

    if (st == NULL)
        _exit(3);
    return st;
}

static void run_x(const char *dir, int cmd, shared *sh)
{
    sr_store *st = child_store(dir);
    xhold x = {.cmd = cmd, .sh = sh, .next = 0};
    sr_error err;
    char c;

    while (read(cmd, &c, 1) == 1 && c == 'h') {
        do {
            srp_store_write(st, hold_write, &x, &err);
        } while (x.next == 'R');
        if (x.next == 'q')
            break;
    }
    _exit(0);
}

/* W and B: open the store (its open writes too), then one write on go */
static void run_writer(const char *dir, volatile int *ready, volatile int *go,
                       volatile int *writing, volatile int *done)
{
    sr_store *st = child_store(dir);
    sr_error err;

    *ready = 1;
    while (!*go)
        usleep(1000);
    *writing = 1;
    srp_store_write(st, nop_write, NULL, &err);
    if (done)
        *done = 1;
    pause();
    _exit(0);
}

static void hog(int cpu)
{
    cpu_set_t set;

    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive a killed test */
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
    for (;;)
        ;
}

static void reap(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

/* one round of the interleaving; returns 1 when B finished its write */
static int round_survives(const char *dir, int cpu)
{
    shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int p[2], ok, n;
    pid_t x, w, b, h;
    struct sched_param sp = {0};
    cpu_set_t set;

    assert_true(sh != MAP_FAILED);
    assert_int_equal(pipe(p), 0);
    if ((h = fork()) == 0)
        hog(cpu);
    if ((w = fork()) == 0)
        run_writer(dir, &sh->w_ready, &sh->w_go, &sh->w_writing, &sh->w_done);
    if ((b = fork()) == 0)
        run_writer(dir, &sh->b_ready, &sh->b_go, &sh->b_writing, &sh->b_done);
    assert_true(wait_flag(&sh->w_ready, 10));
    assert_true(wait_flag(&sh->b_ready, 10));
    if ((x = fork()) == 0) {
        close(p[1]);
        run_x(dir, p[0], sh);
    }
    close(p[0]);
    assert_int_equal(write(p[1], "h", 1), 1);
    assert_true(wait_flag(&sh->x_holding, 10));
    /* W waits for X's write first, then B behind it */
    sh->w_go = 1;
    assert_true(wait_flag(&sh->w_writing, 10));
    assert_true(asleep(w, 10));
    /* W may now wake but not run: idle class, on the hog's CPU */
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(w, sizeof(set), &set);
    sched_setscheduler(w, SCHED_IDLE, &sp);
    sh->b_go = 1;
    assert_true(wait_flag(&sh->b_writing, 10));
    assert_true(asleep(b, 10));
    /* X: release (waking W) and take the next write before W runs */
    n = sh->x_holds;
    assert_int_equal(write(p[1], "R", 1), 1);
    for (double end = now() + 10; sh->x_holds == n && now() < end;)
        ;
    assert_true(sh->x_holds > n);
    if (getenv("SRT_DEBUG"))
        print_message("# W state %c wrote %d; B state %c\n", state_of(w), sh->w_done, state_of(b));
    reap(w);
    assert_int_equal(write(p[1], "r", 1), 1);   /* X is done writing */
    ok = wait_flag(&sh->b_done, 5);
    assert_int_equal(write(p[1], "q", 1), 1);
    close(p[1]);
    reap(b);
    reap(x);
    reap(h);
    munmap(sh, sizeof(*sh));
    return ok;
}

/* round_setup - a new store for the children of the rounds, and the CPU
 * they share (the last this process may run on) */
static char *round_setup(int *cpu)
{
    char *dir = st_tmpdir();
    sr_ctx *ctx = st_ctx(NULL);
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err);
    cpu_set_t set;

    assert_non_null(st);   /* created here, used by the children */
    sr_store_close(st);
    sr_ctx_free(ctx);
    *cpu = 0;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        for (int i = 0; i < CPU_SETSIZE; i++)
            if (CPU_ISSET(i, &set))
                *cpu = i;
    return dir;
}

static void test_writer_survives_a_killed_waiter(void **state)
{
    int cpu, lost = 0;
    char *dir = round_setup(&cpu);

    (void)state;
    for (int i = 0; i < 6; i++)   /* W sometimes runs before the kill: repeat */
        if (!round_survives(dir, cpu)) {
            print_message("# round %d: the writer behind a killed waiter never ran\n", i);
            lost++;
        }
    assert_int_equal(lost, 0);
    st_rmdir(dir);
}

/*
 * Readers: with MDB_NOTLS every read transaction's mdb_txn_begin claims a
 * slot in the reader table under LMDB's reader mutex, a robust
 * process-shared pthread mutex like the writer's, with the same lost
 * wake-up.  No call of the store holds that mutex for long, so X here is
 * a process that takes it itself, where LMDB keeps it in lock.mdb (the
 * first member after the magic and format words: the test checks that it
 * finds a robust process-shared mutex there and is skipped otherwise).  X
 * stands for any process in the reader table at that moment (a reader of
 * another build, mdb_dump, a reader check).  W and B begin read
 * transactions behind X; the rest is the writers' interleaving.
 */
#define RMUTEX_OFF 8

static void run_rx(const char *dir, int cmd, shared *sh)
{
    char path[512], c;
    unsigned char *map;
    pthread_mutex_t *m;
    int fd;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    fd = open(path, O_RDWR);
    map = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        _exit(3);
    m = (pthread_mutex_t *)(void *)(map + RMUTEX_OFF);
    /* LMDB's magic, and a robust (16) process-shared (128) mutex */
    if (*(uint32_t *)(void *)map != 0xBEEFC0DEu || m->__data.__kind != (16 | 128)) {
        sh->x_skip = 1;
        _exit(0);
    }
    while (read(cmd, &c, 1) == 1 && c == 'h') {
        for (;;) {
            if (pthread_mutex_lock(m) == EOWNERDEAD)
                pthread_mutex_consistent(m);
            sh->x_holding = 1;
            sh->x_holds++;
            if (read(cmd, &c, 1) != 1)
                c = 'q';
            sh->x_holding = 0;
            pthread_mutex_unlock(m);
            if (c != 'R')
                break;
        }
        if (c == 'q')
            break;
    }
    _exit(0);
}

/* W and B for readers: open the store, then begin a read txn on go */
static void run_reader(const char *dir, volatile int *ready, volatile int *go,
                       volatile int *reading, volatile int *done)
{
    sr_store *st = child_store(dir);
    sr_error err;
    MDB_txn *txn;

    prctl(PR_SET_PDEATHSIG, SIGKILL);
    *ready = 1;
    while (!*go)
        usleep(1000);
    *reading = 1;
    if (srp_store_read(st, &txn, &err) == SR_OK) {
        mdb_txn_abort(txn);
        if (done)
            *done = 1;
    }
    pause();
    _exit(0);
}

/* one round; 1 when B began its read, 0 when it hung, -1 skipped, -2 when
 * a step failed (reported; the children are killed either way) */
#define STEP(c)                                                         \
    do {                                                                \
        if (!(c)) {                                                     \
            print_message("# step failed: %s (line %d)\n", #c, __LINE__); \
            ok = -2;                                                    \
            goto out;                                                   \
        }                                                               \
    } while (0)

static int reader_round_survives(const char *dir, int cpu)
{
    shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int p[2] = {-1, -1}, ok = -2, n;
    pid_t x = 0, w = 0, b = 0, h = 0;
    struct sched_param sp = {0};
    cpu_set_t set;

    assert_true(sh != MAP_FAILED);
    assert_int_equal(pipe(p), 0);   /* nothing to clean up before here */
    if ((h = fork()) == 0)
        hog(cpu);
    if ((w = fork()) == 0)
        run_reader(dir, &sh->w_ready, &sh->w_go, &sh->w_writing, &sh->w_done);
    if ((b = fork()) == 0)
        run_reader(dir, &sh->b_ready, &sh->b_go, &sh->b_writing, &sh->b_done);
    STEP(wait_flag(&sh->w_ready, 10));
    STEP(wait_flag(&sh->b_ready, 10));
    if ((x = fork()) == 0) {
        close(p[1]);
        run_rx(dir, p[0], sh);
    }
    STEP(write(p[1], "h", 1) == 1);
    for (double end = now() + 10; !sh->x_holding && !sh->x_skip && now() < end;)
        usleep(1000);
    if (sh->x_skip) {
        ok = -1;
        goto out;
    }
    STEP(sh->x_holding);
    /* W waits for the reader mutex first, then B behind it */
    sh->w_go = 1;
    STEP(wait_flag(&sh->w_writing, 10));
    STEP(asleep(w, 10));
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(w, sizeof(set), &set);
    sched_setscheduler(w, SCHED_IDLE, &sp);
    sh->b_go = 1;
    STEP(wait_flag(&sh->b_writing, 10));
    STEP(asleep(b, 10));
    /* X: release (waking W) and take the mutex again before W runs */
    n = sh->x_holds;
    STEP(write(p[1], "R", 1) == 1);
    for (double end = now() + 10; sh->x_holds == n && now() < end;)
        ;
    STEP(sh->x_holds > n);
    if (getenv("SRT_DEBUG"))
        print_message("# W state %c read %d; B state %c\n", state_of(w), sh->w_done, state_of(b));
    reap(w);
    w = 0;
    STEP(write(p[1], "r", 1) == 1);   /* X lets go for good */
    ok = wait_flag(&sh->b_done, 5);
out:
    if (write(p[1], "q", 1) != 1) {
        /* X is gone already: reaped below */
    }
    close(p[0]);
    close(p[1]);
    reap(b);
    reap(w);
    reap(x);
    reap(h);
    munmap(sh, sizeof(*sh));
    return ok;
}

static void test_reader_survives_a_killed_waiter(void **state)
{
    int cpu, lost = 0, r;
    char *dir = round_setup(&cpu);

    (void)state;
    for (int i = 0; i < 6; i++) {
        if ((r = reader_round_survives(dir, cpu)) < 0) {
            st_rmdir(dir);
            skip();
        }
        assert_int_not_equal(r, -2);
        if (r == 0) {
            print_message("# round %d: the reader behind a killed waiter never began\n", i);
            lost++;
        }
    }
    assert_int_equal(lost, 0);
    st_rmdir(dir);
}

/*
 * Kept reader slots: srp_store_read_end keeps a read txn's slot (reset, no
 * snapshot) for the next read, so reads claim slots (and take reader.lock)
 * rarely; a renewed txn sees the latest commit, another thread can renew
 * it, at most rpool_max slots stay kept, and a killed process's kept
 * slots are freed by the reader check of another.
 */
typedef struct slots {
    pid_t pid;
    int n, idle;
} slots;

static int count_slot(const char *msg, void *ctx)
{
    slots *s = ctx;
    int pid;
    unsigned long tid;
    char txnid[32];

    if (sscanf(msg, "%d %lx %31s", &pid, &tid, txnid) == 3 && pid == s->pid) {
        s->n++;
        s->idle += strcmp(txnid, "-") == 0;
    }
    return 0;
}

static slots slots_of(sr_store *st, pid_t pid)
{
    slots s = {.pid = pid};

    mdb_reader_list(st->env, count_slot, &s);
    return s;
}

static void *get_ticket_1(void *arg)
{
    sr_ticket t;
    sr_error err;

    return (void *)(intptr_t)sr_ticket_get(arg, 1, &t, &err);
}

static void test_kept_reader_slots(void **state)
{
    char *dir = st_tmpdir();
    sr_ctx *ctx = st_ctx(NULL);
    sr_error err;
    sr_store *st = sr_store_open(ctx, dir, 0, &err);
    MDB_txn *txn[12];
    sr_ticket t;
    slots s;
    pthread_t th;
    void *res;
    int p[2], dead = -1;
    pid_t c;
    char x;

    (void)state;
    assert_non_null(st);
    assert_true(st->sh->rpool_max >= 1 && st->sh->rpool_max <= SRP_RPOOL_MAX);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(srp_store_read(st, &txn[0], &err), SR_OK);
        srp_store_read_end(st, txn[0]);
    }
    s = slots_of(st, getpid());
    assert_int_equal(s.n, 1);   /* one slot for 100 reads, idle */
    assert_int_equal(s.idle, 1);
    for (int i = 0; i < 12; i++)
        assert_int_equal(srp_store_read(st, &txn[i], &err), SR_OK);
    s = slots_of(st, getpid());
    assert_int_equal(s.n, 12);
    assert_int_equal(s.idle, 0);
    for (int i = 0; i < 12; i++)
        srp_store_read_end(st, txn[i]);
    s = slots_of(st, getpid());
    assert_int_equal(s.n, st->sh->rpool_max);   /* the rest given up */
    assert_int_equal(s.idle, s.n);

    /* a kept txn takes a new snapshot, in any thread */
    assert_int_equal(sr_ticket_get(st, 1, &t, &err), SR_ENOTFOUND);
    st_ingest(st, st_msg(SR_CHANNEL_SMS, "+4915112345678", "hello"));
    assert_int_equal(pthread_create(&th, NULL, get_ticket_1, st), 0);
    assert_int_equal(pthread_join(th, &res), 0);
    assert_int_equal((int)(intptr_t)res, SR_OK);
    assert_int_equal(slots_of(st, getpid()).n, st->sh->rpool_max);

    /* a killed process's kept slots are freed by another's reader check */
    assert_int_equal(pipe(p), 0);
    if ((c = fork()) == 0) {
        sr_store *cst;
        MDB_txn *ct[3];

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        if ((cst = sr_store_open(ctx, dir, 0, &err)) == NULL)
            _exit(3);
        for (int i = 0; i < 3; i++)
            if (srp_store_read(cst, &ct[i], &err) != SR_OK)
                _exit(4);
        for (int i = 0; i < 3; i++)
            srp_store_read_end(cst, ct[i]);
        if (write(p[1], "r", 1) != 1)
            _exit(5);
        pause();
        _exit(0);
    }
    close(p[1]);
    if (read(p[0], &x, 1) != 1) {
        reap(c);
        fail_msg("the child did not read");
    }
    close(p[0]);
    s = slots_of(st, c);
    reap(c);
    assert_int_equal(s.n, st->sh->rpool_max < 3 ? st->sh->rpool_max : 3);
    srp_store_reader_check(st, &dead);
    assert_int_equal(dead, s.n);
    assert_int_equal(slots_of(st, c).n, 0);
    assert_int_equal(sr_ticket_get(st, 1, &t, &err), SR_OK);

    /* closing gives the kept slots up */
    sr_store_close(st);
    st = sr_store_open(ctx, dir, 0, &err);
    assert_non_null(st);
    assert_int_equal(slots_of(st, getpid()).n, 0);
    sr_store_close(st);
    sr_ctx_free(ctx);
    st_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_survives_a_killed_waiter),
        cmocka_unit_test(test_reader_survives_a_killed_waiter),
        cmocka_unit_test(test_kept_reader_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
