/*
 * store.c - the LMDB environment, group commit and the record codecs
 *
 * One environment (a directory) with named databases:
 *   meta      schema version and id counters
 *   tickets   u64 id -> ticket JSON
 *   messages  (u64 ticket, u32 seq) -> message JSON: the transcripts
 *   conv      thread key ("e:<message-id>", "c:<jid>", "s:+49...",
 *             "x:<channel>:<key>") -> u64 ticket id
 *   profiles  "e:<email>", "p:+49...", "j:<jid>" -> profile JSON
 *   events    u64 id -> event JSON
 *   outbox    u64 id -> job JSON;  pending: u64 id -> "" for due work
 * Records are compact JSON (jansson): easy to inspect with mdb_dump, fast
 * enough for thousands of messages a second.
 *
 * Writers: LMDB allows one write transaction per environment at a time,
 * across processes.  Inside a process, srp_store_write() queues the
 * request; the first waiting thread becomes the leader, runs every queued
 * request in one transaction (each in a nested transaction, so one
 * failure does not undo the others) and commits once: one fsync
 * acknowledges the whole batch (group commit).  Each writer sleeps on a
 * condition of its own: it is woken when its request is done, or when the
 * leader steps down and its request heads the queue, never for another's
 * batch (a shared condition woke every waiter at each commit and flush).
 *
 * Between processes, write transactions take an flock on writer.lock in
 * the store directory before LMDB's writer mutex, so that mutex is never
 * waited for.  It is a robust process-shared pthread mutex, and those lose
 * wake-ups when a process is killed: unlock wakes one waiter and clears
 * the waiters bit; if that waiter is SIGKILLed before it runs while another
 * process takes the free mutex, the kernel's robust-list cleanup sees a
 * live owner and wakes nobody, and the other waiters sleep for ever (a
 * writer stuck at 0% CPU in mdb_txn_begin with nobody holding the mutex).
 * The kernel releases an flock of a dead process and wakes its waiters.
 *
 * Readers: with MDB_NOTLS each read transaction's mdb_txn_begin claims a
 * slot in LMDB's reader table under its reader mutex, a mutex of the same
 * kind with the same lost wake-up (test_store_kill shows readers asleep
 * for ever behind a killed one).  Beginning a read transaction and
 * mdb_reader_check, the calls that take that mutex, hold an flock on
 * reader.lock around it, one thread of a process at a time (an flock
 * belongs to the open file, which the threads share).  The one other
 * taker is a write transaction's begin after a writer died holding the
 * writer mutex (LMDB then clears dead readers), under writer.lock: at
 * most two processes ever compete for the reader mutex, and a lost
 * wake-up needs a holder and two waiters.  The flock is held for the
 * slot claim only, never for the transaction: readers do not wait for
 * other readers' transactions, nor for writers.  An flock costs a few
 * microseconds, ten times a short read, so a read transaction ended with
 * srp_store_read_end keeps its slot (mdb_txn_reset) for the next read of
 * any thread (mdb_txn_renew takes no mutex): a process claims a slot only
 * when more of its reads run at once than ever before, up to
 * store.max_readers / 16 idle slots (at least 1, at most 8) per process.
 * A reset transaction holds no snapshot, so it keeps no page from reuse,
 * and mdb_reader_check still frees the slots of a dead process.
 */
#include "build-config.h"

#include "store.h"

#include "ctx.h"
#include "internal.h"
#include "jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct srp_wreq {
    sr_store *st;           /* the caller's view: fn runs with its context */
    srp_wfn fn;
    void *arg;
    int rc;
    int done;
    sr_error err;
    struct srp_wreq *next;
    pthread_cond_t cv;      /* its writer waits here: woken when done, or
                             * to lead when the leader leaves it queued */
};

static const char *const status_names[] = {"new", "open", "pending", "closed"};
static const char *const event_names[] = {"ticket_created", "ticket_closed", "handed_off",
                                          "resolved_without_handoff", "ticket_reopened",
                                          "turned_worse"};
static const char *const job_states[] = {"pending", "done", "failed"};

const char *sr_status_name(sr_ticket_status s)
{
    return (unsigned)s < 4 ? status_names[s] : "new";
}

int sr_status_parse(const char *name)
{
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, status_names[i]) == 0)
            return i;
    return -1;
}

const char *sr_event_name(sr_event_type t)
{
    return (unsigned)t < SR_ARRAY_LEN(event_names) ? event_names[t] : "unknown";
}

const char *sr_job_state_name(sr_job_state s)
{
    return (unsigned)s < 3 ? job_states[s] : "pending";
}

_Atomic int64_t srp_clock_skew;

int64_t srp_now(void)
{
    return (int64_t)time(NULL) + atomic_load_explicit(&srp_clock_skew, memory_order_relaxed);
}

/* srp_mdb_error - an LMDB failure as SR_ESTORE */
int srp_mdb_error(sr_error *err, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return srp_error(err, SR_ESTORE, rc, "store",
                         "%s: the store is full (MDB_MAP_FULL): raise store.map_size_mb", what);
    if (rc == MDB_READERS_FULL)
        return srp_error(err, SR_ESTORE, rc, "store",
                         "%s: no free reader slot: raise store.max_readers", what);
    return srp_error(err, SR_ESTORE, rc, "store", "%s: %s", what, mdb_strerror(rc));
}

void srp_u64_key(unsigned char out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)v;
}

uint64_t srp_key_u64(const void *p)
{
    const unsigned char *b = p;
    uint64_t v = 0;

    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

void srp_msg_key(unsigned char out[12], uint64_t ticket, uint32_t seq)
{
    srp_u64_key(out, ticket);
    out[8] = (unsigned char)(seq >> 24);
    out[9] = (unsigned char)(seq >> 16);
    out[10] = (unsigned char)(seq >> 8);
    out[11] = (unsigned char)seq;
}

void sr_store_instance_name(const sr_config *cfg, char *out, size_t size)
{
    char buf[65];

    if (size == 0)
        return;
    memset(buf, 0, sizeof(buf));
    if (cfg != NULL && cfg->store_instance[0])
        srp_strlcpy(buf, cfg->store_instance, sizeof(buf));
    else if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
        srp_strlcpy(buf, "localhost", sizeof(buf));
    buf[sizeof(buf) - 1] = '\0';
    for (char *c = buf; *c; c++)   /* keep ids URL- and header-safe */
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '.'))
            *c = '_';
    srp_strlcpy(out, buf, size);
}

/* open_lock - writer.lock or reader.lock, which are flock'd (see above).
 * Best effort: a store that opens today must open after an upgrade too,
 * so a lock file this user cannot open (made by another user, a path
 * problem) leaves LMDB's mutex alone in charge, with a warning.  A new
 * lock file gets the owner of the store directory, so that the milter
 * (running as its own user) can open the one root's sentiroutectl made. */
static int open_lock(const sr_ctx *ctx, const sr_store *st, const char *name, const char *who)
{
    char path[4096];
    struct stat dir, f;
    int fd;

    if ((size_t)snprintf(path, sizeof(path), "%s/%s", st->path, name) >= sizeof(path))
        return -1;
    /* never through a symlink: root would chown or lock its target */
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0640);
    if (fd >= 0 && geteuid() == 0 && stat(st->path, &dir) == 0 && fstat(fd, &f) == 0 &&
        S_ISREG(f.st_mode) && f.st_nlink == 1 && f.st_uid == 0 &&
        fchown(fd, dir.st_uid, dir.st_gid) != 0) {
        /* the file stays root's: others open it read-only below, or not */
    }
    if (fd < 0)   /* flock needs no write access */
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        sr_log(ctx, SR_LOG_WARNING, "store %s: cannot open %s (%s): %s are serialised by LMDB alone",
               st->path, path, strerror(errno), who);
    return fd;
}

/* give_files - when root opens a store in a directory another user owns,
 * LMDB files an earlier root run left root's (0640: the daemons running as
 * the directory's owner could not open the store) go to that user.  Runs
 * before mdb_env_open: closing a descriptor of a file LMDB has open would
 * drop LMDB's fcntl locks on it.  Only a plain file root owns with one
 * link is given away (the directory's owner could have put a symlink or a
 * hard link to another root file there). */
static void give_files(const sr_ctx *ctx, const sr_store *st)
{
    static const char *const names[] = {"data.mdb", "lock.mdb"};
    struct stat dir, f;
    char path[4096];

    if (geteuid() != 0 || stat(st->path, &dir) != 0 || dir.st_uid == 0)
        return;
    for (size_t i = 0; i < SR_ARRAY_LEN(names); i++) {
        int fd;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", st->path, names[i]) >= sizeof(path))
            continue;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (fstat(fd, &f) == 0 && S_ISREG(f.st_mode) && f.st_nlink == 1 && f.st_uid == 0 &&
            fchown(fd, dir.st_uid, dir.st_gid) != 0)
            sr_log(ctx, SR_LOG_WARNING, "store %s: cannot give %s to the directory's owner: %s",
                   st->path, names[i], strerror(errno));
        close(fd);
    }
}

/* Root opening a store in a directory another user owns opens its files
 * as that user (effective ids and groups; restored right after): what
 * the directory's owner has put there - a symlink named lock.mdb or
 * writer.lock to /etc/shadow - is then opened with that user's rights,
 * not root's (LMDB initialises lock.mdb and would have written through
 * it), and new files are that user's, so the daemons can open them. */
typedef struct as_owner {
    int active;
    gid_t egid;
    gid_t groups[64];
    int ngroups;
} as_owner;

static void owner_begin(const sr_store *st, as_owner *o)
{
    struct stat dir;
    gid_t g;

    o->active = 0;
    if (geteuid() != 0 || stat(st->path, &dir) != 0 || dir.st_uid == 0)
        return;
    o->egid = getegid();
    o->ngroups = getgroups((int)SR_ARRAY_LEN(o->groups), o->groups);
    g = dir.st_gid;
    if (o->ngroups < 0 || setgroups(1, &g) != 0)
        return;
    if (setegid(dir.st_gid) != 0 || seteuid(dir.st_uid) != 0) {
        if (seteuid(0) != 0 || setegid(o->egid) != 0 ||
            setgroups((size_t)o->ngroups, o->groups) != 0) {
            /* cannot happen for root; the next open fails if it did */
        }
        return;
    }
    o->active = 1;
}

static void owner_end(as_owner *o)
{
    if (!o->active)
        return;
    if (seteuid(0) != 0 || setegid(o->egid) != 0 ||
        setgroups((size_t)o->ngroups, o->groups) != 0) {
        /* cannot happen: the saved set-user-ID is root's */
    }
    o->active = 0;
}

/* wlock - take (on) or drop the writer lock; only EINTR is retried, other
 * failures (none on a local file) leave LMDB's mutex alone in charge */
static void wlock(const sr_store *st, int on)
{
    if (st->wlock < 0)
        return;
    while (flock(st->wlock, on ? LOCK_EX : LOCK_UN) != 0 && errno == EINTR)
        ;
}

/* rlock - take (on) or drop reader.lock around a call that can take
 * LMDB's reader mutex; threads of this process take turns on rlock_mu */
static void rlock(const sr_store *st, int on)
{
    if (st->rlock < 0)
        return;
    if (on)
        pthread_mutex_lock(&st->sh->rlock_mu);
    while (flock(st->rlock, on ? LOCK_EX : LOCK_UN) != 0 && errno == EINTR)
        ;
    if (!on)
        pthread_mutex_unlock(&st->sh->rlock_mu);
}

/* open_dbs - the named databases (created unless read-only) */
static int open_dbs(sr_store *st, sr_error *err)
{
    struct {
        const char *name;
        MDB_dbi *dbi;
    } dbs[] = {{"meta", &st->meta},         {"tickets", &st->tickets}, {"messages", &st->msgs},
               {"conv", &st->conv},         {"profiles", &st->profiles},
               {"events", &st->events},     {"outbox", &st->outbox},   {"pending", &st->pending}};
    unsigned flags = (st->flags & SR_STORE_RDONLY) ? MDB_RDONLY : 0;
    MDB_txn *txn;
    MDB_val k = {6, "schema"}, v;
    char ver[16];
    int rc = mdb_txn_begin(st->env, NULL, flags, &txn);

    if (rc != 0)
        return srp_mdb_error(err, rc, "begin");
    for (size_t i = 0; i < SR_ARRAY_LEN(dbs); i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, flags ? 0 : MDB_CREATE, dbs[i].dbi);
        if (rc == MDB_NOTFOUND && flags) {
            mdb_txn_abort(txn);
            return srp_error(err, SR_ENOTFOUND, rc, st->path, "no sentiroute store here");
        }
        if (rc != 0) {
            mdb_txn_abort(txn);
            return srp_mdb_error(err, rc, dbs[i].name);
        }
    }
    rc = mdb_get(txn, st->meta, &k, &v);
    if (rc == MDB_NOTFOUND && !flags) {
        snprintf(ver, sizeof(ver), "%d", SRP_SCHEMA_VERSION);
        v.mv_data = ver;
        v.mv_size = strlen(ver);
        rc = mdb_put(txn, st->meta, &k, &v, 0);
        st->schema = SRP_SCHEMA_VERSION;
    } else if (rc == 0) {
        snprintf(ver, sizeof(ver), "%.*s", (int)SR_MIN(v.mv_size, 15), (const char *)v.mv_data);
        st->schema = atoi(ver);
    }
    if (rc != 0) {
        mdb_txn_abort(txn);
        return srp_mdb_error(err, rc, "schema");
    }
    if (st->schema > SRP_SCHEMA_VERSION || st->schema < 1) {
        mdb_txn_abort(txn);
        return srp_error(err, SR_EFORMAT, 0, st->path,
                         "store schema %d; this build reads schema %d (upgrade sentiroute)",
                         st->schema, SRP_SCHEMA_VERSION);
    }
    /* commit even a read-only txn: an abort would close the new dbi handles */
    rc = mdb_txn_commit(txn);
    return rc ? srp_mdb_error(err, rc, "commit") : SR_OK;
}

static int make_dir(const char *path, sr_error *err)
{
    struct stat sb;

    if (stat(path, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? SR_OK
                                   : srp_error(err, SR_EIO, ENOTDIR, path, "not a directory");
    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        return srp_error(err, SR_EIO, errno, path, "cannot create store: %s", strerror(errno));
    return SR_OK;
}

/* sr_store_open - open or create the environment */
sr_store *sr_store_open(const sr_ctx *ctx, const char *path, unsigned flags, sr_error *err)
{
    sr_store *st;
    const sr_config *cfg;
    unsigned envflags = MDB_NOTLS;   /* read txns are not tied to threads */
    int rc, dead = 0;
    as_owner owner;

    if (ctx == NULL) {
        srp_error(err, SR_EINVAL, 0, "store", "no context");
        return NULL;
    }
    cfg = ctx->cfg;
    if (path == NULL || *path == '\0')
        path = cfg->store_path;
    st = calloc(1, sizeof(*st));
    if (st == NULL || (st->path = strdup(path)) == NULL) {
        free(st);
        srp_error(err, SR_ENOMEM, ENOMEM, "store", "out of memory");
        return NULL;
    }
    st->sh = calloc(1, sizeof(*st->sh));
    if (st->sh == NULL) {
        free(st->path);
        free(st);
        srp_error(err, SR_ENOMEM, ENOMEM, "store", "out of memory");
        return NULL;
    }
    st->flags = flags;
    st->batch_max = cfg->store_batch_max;
    pthread_mutex_init(&st->sh->mu, NULL);
    pthread_mutex_init(&st->sh->ctx_mu, NULL);
    pthread_mutex_init(&st->sh->rlock_mu, NULL);
    pthread_mutex_init(&st->sh->pool_mu, NULL);
    st->sh->rpool_max = SR_MAX(1, SR_MIN(SRP_RPOOL_MAX, cfg->store_max_readers / 16));
    st->sh->ctx = sr_ctx_ref((sr_ctx *)ctx);   /* refs are not part of its constness */
    st->wlock = -1;
    st->rlock = -1;
    sr_store_instance_name(cfg, st->instance, sizeof(st->instance));
    if (!(flags & SR_STORE_RDONLY) && make_dir(path, err) != SR_OK)
        goto fail;
    give_files(ctx, st);   /* root's files of earlier versions, as root */
    owner_begin(st, &owner);
    if (!(flags & SR_STORE_RDONLY))
        st->wlock = open_lock(ctx, st, "writer.lock", "writers");
    if (flags & SR_STORE_RDONLY)
        envflags |= MDB_RDONLY;
    if (!cfg->store_sync || (flags & SR_STORE_NOSYNC)) {
        envflags |= MDB_NOSYNC;
        st->nosync = 1;
    } else if (!(flags & SR_STORE_RDONLY)) {
        /* one flush per commit; srp_store_write makes the meta page
         * durable before anyone hears SR_OK (see there) */
        envflags |= MDB_NOMETASYNC;
    }
    if ((rc = mdb_env_create(&st->env)) != 0 ||
        (rc = mdb_env_set_maxdbs(st->env, 16)) != 0 ||
        (rc = mdb_env_set_maxreaders(st->env, (unsigned)cfg->store_max_readers)) != 0 ||
        (rc = mdb_env_set_mapsize(st->env, (size_t)cfg->store_map_mb << 20)) != 0) {
        owner_end(&owner);
        srp_mdb_error(err, rc, "environment");
        goto fail;
    }
    rc = mdb_env_open(st->env, path, envflags, 0640);
    owner_end(&owner);
    if (rc != 0) {
        if (rc == ENOENT)
            srp_error(err, SR_ENOTFOUND, rc, path, "no store here");
        else
            srp_error(err, rc > 0 ? SR_EIO : SR_ESTORE, rc, path, "cannot open store: %s",
                      mdb_strerror(rc));
        goto fail;
    }
    st->rlock = open_lock(ctx, st, "reader.lock", "readers");
    /* reader slots of processes killed while reading (kill -9) */
    srp_store_reader_check(st, &dead);
    if (dead > 0)
        sr_log(ctx, SR_LOG_NOTICE, "store %s: cleared %d stale reader slot(s)", path, dead);
    wlock(st, 1);
    rlock(st, 1);   /* its mdb_txn_begin: a read one when read-only */
    rc = open_dbs(st, err);
    rlock(st, 0);
    wlock(st, 0);
    if (rc != SR_OK)
        goto fail;
    return st;
fail:
    sr_store_close(st);
    return NULL;
}

void sr_store_close(sr_store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < st->sh->rpool_n; i++)
        mdb_txn_abort(st->sh->rpool[i]);
    if (st->env)
        mdb_env_close(st->env);
    if (st->wlock >= 0)
        close(st->wlock);
    if (st->rlock >= 0)
        close(st->rlock);
    pthread_mutex_destroy(&st->sh->mu);
    pthread_mutex_destroy(&st->sh->rlock_mu);
    pthread_mutex_destroy(&st->sh->pool_mu);
    pthread_mutex_destroy(&st->sh->ctx_mu);
    sr_ctx_free(st->sh->ctx);
    free(st->sh);
    free(st->path);
    free(st);
}

/* srp_store_pin - a view of the store with the current context, held */
sr_store *srp_store_pin(sr_store *st, srp_pin *pin)
{
    pin->view = *st;
    pthread_mutex_lock(&st->sh->ctx_mu);
    pin->ref = sr_ctx_ref(st->sh->ctx);
    pthread_mutex_unlock(&st->sh->ctx_mu);
    pin->view.ctx = pin->ref;
    pin->view.cfg = pin->ref->cfg;
    return &pin->view;
}

/* srp_store_enter - the NULL check every pinned public function makes */
sr_store *srp_store_enter(sr_store *store, srp_pin *pin, sr_error *err)
{
    if (store == NULL) {
        pin->ref = NULL;
        srp_error(err, SR_EINVAL, 0, "store", "no store");
        return NULL;
    }
    return srp_store_pin(store, pin);
}

void srp_store_unpin(srp_pin *pin)
{
    sr_ctx_free(pin->ref);   /* frees a swapped-out context with its last call */
    pin->ref = NULL;
}

/* changed - warn about an environment setting a new config cannot change */
static void changed(const sr_ctx *ctx, const char *key, int differs)
{
    if (differs)
        sr_log(ctx, SR_LOG_WARNING, "%s changed: takes effect when the store is opened again",
               key);
}

/* sr_store_set_ctx - swap the context new calls start with */
int sr_store_set_ctx(sr_store *st, const sr_ctx *ctx, sr_error *err)
{
    sr_ctx *old;
    const sr_config *a, *b;

    if (st == NULL || ctx == NULL)
        return srp_error(err, SR_EINVAL, 0, "store", "no store or no context");
    pthread_mutex_lock(&st->sh->ctx_mu);
    old = st->sh->ctx;
    st->sh->ctx = sr_ctx_ref((sr_ctx *)ctx);
    pthread_mutex_unlock(&st->sh->ctx_mu);
    a = old->cfg;
    b = ctx->cfg;
    changed(ctx, "store.path", strcmp(a->store_path, b->store_path) != 0);
    changed(ctx, "store.map_size_mb", a->store_map_mb != b->store_map_mb);
    changed(ctx, "store.sync", a->store_sync != b->store_sync);
    changed(ctx, "store.instance", strcmp(a->store_instance, b->store_instance) != 0);
    changed(ctx, "store.max_readers", a->store_max_readers != b->store_max_readers);
    changed(ctx, "store.batch_max", a->store_batch_max != b->store_batch_max);
    /* calls still running hold their own references to the old one */
    sr_ctx_free(old);
    return SR_OK;
}

int sr_store_schema_version(const sr_store *st)
{
    return st->schema;
}

const char *sr_store_path(const sr_store *st)
{
    return st->path;
}

void srp_store_reader_check(sr_store *st, int *dead)
{
    rlock(st, 1);
    mdb_reader_check(st->env, dead);
    rlock(st, 0);
}

int srp_store_read(sr_store *st, MDB_txn **txn, sr_error *err)
{
    MDB_txn *kept = NULL;
    int rc;

    pthread_mutex_lock(&st->sh->pool_mu);
    if (st->sh->rpool_n > 0)
        kept = st->sh->rpool[--st->sh->rpool_n];
    pthread_mutex_unlock(&st->sh->pool_mu);
    if (kept != NULL) {
        if (mdb_txn_renew(kept) == 0) {
            *txn = kept;
            return SR_OK;
        }
        mdb_txn_abort(kept);   /* and its slot: begin a new one below */
    }
    rlock(st, 1);
    rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
    if (rc == MDB_READERS_FULL) {
        int dead = 0;
        mdb_reader_check(st->env, &dead);
        rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
    }
    rlock(st, 0);
    return rc ? srp_mdb_error(err, rc, "read") : SR_OK;
}

void srp_store_read_end(sr_store *st, MDB_txn *txn)
{
    if (txn == NULL)
        return;
    mdb_txn_reset(txn);
    pthread_mutex_lock(&st->sh->pool_mu);
    if (st->sh->rpool_n < st->sh->rpool_max) {
        st->sh->rpool[st->sh->rpool_n++] = txn;
        txn = NULL;
    }
    pthread_mutex_unlock(&st->sh->pool_mu);
    mdb_txn_abort(txn);   /* NULL when kept */
}

/* srp_store_cursor - srp_store_read plus a cursor on dbi */
int srp_store_cursor(sr_store *st, MDB_dbi dbi, MDB_txn **txn, MDB_cursor **cur, sr_error *err)
{
    int rc = srp_store_read(st, txn, err);

    if (rc != SR_OK)
        return rc;
    if ((rc = mdb_cursor_open(*txn, dbi, cur)) != 0) {
        srp_store_read_end(st, *txn);
        return srp_mdb_error(err, rc, "cursor");
    }
    return SR_OK;
}

void srp_store_cursor_end(sr_store *st, MDB_txn *txn, MDB_cursor *cur)
{
    mdb_cursor_close(cur);
    srp_store_read_end(st, txn);
}

/*
 * keep_ahead - with store.sync, keep 512 KiB to 2 MiB of written zeros
 * past LMDB's last page.  LMDB grows the data file by writing past its
 * end; on ext4 (and XFS) an fdatasync after a write that grew the file
 * also commits the journal, about twice the time and CPU of one that
 * overwrote blocks (0.84 -> 0.62 ms wall per durable one-message commit
 * here).  Runs inside the write transaction, so no other process writes
 * the file meanwhile; only bytes past the current end of the file are
 * written, and pages past the last used one are no part of the database,
 * so the zeros are invisible to LMDB, mdb_copy and readers.
 * A failure (disk full) only skips the optimisation: LMDB itself reports
 * what matters when it writes.
 */
#define FILL_LOW (512 * 1024)
#define FILL_CHUNK (2 * 1024 * 1024)

static void keep_ahead(sr_store *st)
{
    static const char zeros[64 * 1024];
    MDB_envinfo info;
    MDB_stat ms;
    struct stat sb;
    mdb_filehandle_t fd;
    int64_t used, end, target;

    if ((st->flags & (SR_STORE_NOSYNC | SR_STORE_RDONLY)) || st->nosync)
        return;
    if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &ms) != 0)
        return;
    used = (int64_t)(info.me_last_pgno + 1) * ms.ms_psize;
    if (st->sh->filled != 0 && used + FILL_LOW <= st->sh->filled)
        return;
    if (mdb_env_get_fd(st->env, &fd) != 0 || fstat(fd, &sb) != 0)
        return;
    end = (int64_t)sb.st_size;
    target = used + FILL_CHUNK;
    if (target > (int64_t)info.me_mapsize)
        target = (int64_t)info.me_mapsize;
    for (int64_t o = end; o < target;) {
        size_t n = target - o < (int64_t)sizeof(zeros) ? (size_t)(target - o) : sizeof(zeros);
        ssize_t w = pwrite(fd, zeros, n, (off_t)o);
        if (w <= 0) {
            target = o;
            break;
        }
        o += w;
    }
    if (target > end && fdatasync(fd) != 0)
        return;
    st->sh->filled = target > end ? target : end;
}

/* batch_txn - run_batch's transaction, begun and ended with writer.lock held */
static int batch_txn(sr_store *st, srp_wreq *reqs)
{
    MDB_envinfo info;
    MDB_txn *txn, *child;
    size_t id;
    int nested = reqs->next != NULL, rc;
    sr_error cerr;

    rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc == MDB_MAP_RESIZED) {
        /* another process grew the map */
        mdb_env_set_mapsize(st->env, 0);
        rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    }
    if (rc != 0) {
        for (srp_wreq *r = reqs; r; r = r->next)
            r->rc = srp_mdb_error(&r->err, rc, "begin write");
        return 0;
    }
    keep_ahead(st);
    for (srp_wreq *r = reqs; r; r = r->next) {
        if (!nested) {
            r->rc = r->fn(r->st, txn, r->arg, &r->err);
            continue;
        }
        rc = mdb_txn_begin(st->env, txn, 0, &child);
        if (rc != 0) {
            r->rc = srp_mdb_error(&r->err, rc, "begin nested");
            continue;
        }
        r->rc = r->fn(r->st, child, r->arg, &r->err);
        if (r->rc == SR_OK && (rc = mdb_txn_commit(child)) != 0)
            r->rc = srp_mdb_error(&r->err, rc, "commit nested");
        else if (r->rc != SR_OK)
            mdb_txn_abort(child);
    }
    if (!nested && reqs->rc != SR_OK) {
        mdb_txn_abort(txn);
        return 0;
    }
    id = mdb_txn_id(txn);
    rc = mdb_txn_commit(txn);
    if (rc != 0) {
        srp_mdb_error(&cerr, rc, "commit");
        for (srp_wreq *r = reqs; r; r = r->next)
            if (r->rc == SR_OK) {
                r->rc = cerr.code;
                r->err = cerr;
            }
        return 0;
    }
    /* a transaction that changed nothing commits without writing (or
     * flushing) anything: only a new meta page means a flush happened */
    return mdb_env_info(st->env, &info) == 0 && info.me_last_txnid == id;
}

/* run_batch - one transaction for reqs; each in a nested txn when several.
 * Returns 1 when the transaction committed and wrote (with store.sync its
 * data pages are then flushed and its meta page written). */
static int run_batch(sr_store *st, srp_wreq *reqs)
{
    int committed;

    wlock(st, 1);
    committed = batch_txn(st, reqs);
    wlock(st, 0);
    return committed;
}

/*
 * Durable group commit.  With store.sync the environment has
 * MDB_NOMETASYNC: a commit flushes its data pages (fdatasync) and then
 * writes the meta page that points at them without a flush.  That meta
 * page is on disk after the next flush of the file, and only then do the
 * writers of the batch hear SR_OK: the next batch's commit does it with
 * its own data flush when writers queued up meanwhile, else the leader
 * calls mdb_env_sync() at once.  LMDB keeps the database consistent in
 * this mode (a meta page is written only after the pages it points at are
 * durable); the order of the acknowledgements keeps it durable.  A batch
 * that wrote nothing needs no flush, but its writers wait for the one
 * still due for earlier batches of this process, whose data they may have
 * read.  A lone commit costs the two flushes it always did; back-to-back
 * commits cost one each.
 */
/* take_batch - unlink up to max queued requests (the queue is not empty) */
static srp_wreq *take_batch(srp_shared *sh, int max)
{
    srp_wreq *batch = sh->head, *last = batch;

    for (int n = 1; last->next && n < max; n++)
        last = last->next;
    sh->head = last->next;
    if (sh->head == NULL)
        sh->tail = NULL;
    last->next = NULL;
    return batch;
}

/* finish - r is done: wake its writer alone (with sh->mu held; r may be
 * gone once the mutex is released) */
static void finish(srp_wreq *r)
{
    r->done = 1;
    pthread_cond_signal(&r->cv);
}

/* release - reqs are done; a flush error replaces the success of those
 * that had none */
static void release(srp_wreq *reqs, const sr_error *ferr)
{
    for (srp_wreq *r = reqs, *nx; r; r = nx) {
        nx = r->next;
        if (ferr != NULL && r->rc == SR_OK) {
            r->rc = ferr->code;
            r->err = *ferr;
        }
        finish(r);
    }
}

/* lead - run queued batches until nothing waits for a commit or a flush;
 * hands over (returns) once own is done and others are queued.  Called
 * and returns with sh->mu held. */
static void lead(sr_store *st, srp_wreq *own)
{
    srp_shared *sh = st->sh;

    for (;;) {
        if (sh->head != NULL) {
            srp_wreq *batch, *keep = NULL, *klast = NULL;
            int committed;

            if (own->done)
                return;   /* a waiting writer leads the rest */
            batch = take_batch(sh, st->batch_max);
            pthread_mutex_unlock(&sh->mu);
            committed = run_batch(st, batch);
            pthread_mutex_lock(&sh->mu);
            if (committed) {
                /* its data flush made the earlier meta pages durable */
                release(sh->uhead, NULL);
                sh->uhead = sh->utail = NULL;
            }
            for (srp_wreq *r = batch, *nx; r; r = nx) {
                nx = r->next;
                r->next = NULL;
                /* committed, meta page not yet flushed; or it changed
                 * nothing (a mail found stored already) but may have read
                 * what a batch still waiting for its flush wrote: its
                 * SR_OK says that is stored, so it waits for that flush */
                if (r->rc == SR_OK && (committed || sh->uhead != NULL)) {
                    if (klast)
                        klast->next = r;
                    else
                        keep = r;
                    klast = r;
                } else {
                    finish(r);
                }
            }
            if (keep != NULL) {
                if (sh->utail)
                    sh->utail->next = keep;
                else
                    sh->uhead = keep;
                sh->utail = klast;
            }
            continue;
        }
        if (sh->uhead == NULL)
            return;
        /* nobody queued: flush for the batches still waiting */
        {
            srp_wreq *u = sh->uhead;
            sr_error ferr;
            int rc;

            sh->uhead = sh->utail = NULL;
            pthread_mutex_unlock(&sh->mu);
            rc = mdb_env_sync(st->env, 1);
            pthread_mutex_lock(&sh->mu);
            if (rc != 0)
                srp_mdb_error(&ferr, rc, "flush");
            release(u, rc != 0 ? &ferr : NULL);
        }
    }
}

/* srp_store_write - queue a write, lead the batches when no one else does */
int srp_store_write(sr_store *st, srp_wfn fn, void *arg, sr_error *err)
{
    srp_wreq req = {.st = st, .fn = fn, .arg = arg};
    srp_shared *sh = st->sh;
    int durable = !st->nosync && !(st->flags & SR_STORE_NOSYNC);

    if (st->flags & SR_STORE_RDONLY)
        return srp_error(err, SR_EINVAL, 0, st->path, "store is open read-only");
    pthread_cond_init(&req.cv, NULL);
    pthread_mutex_lock(&sh->mu);
    if (sh->tail)
        sh->tail->next = &req;
    else
        sh->head = &req;
    sh->tail = &req;
    while (!req.done) {
        if (sh->leader) {
            pthread_cond_wait(&req.cv, &sh->mu);
            continue;
        }
        sh->leader = 1;
        if (durable) {
            lead(st, &req);
        } else {
            /* no flush to share: one batch, done */
            srp_wreq *batch = take_batch(sh, st->batch_max);

            pthread_mutex_unlock(&sh->mu);
            run_batch(st, batch);
            pthread_mutex_lock(&sh->mu);
            release(batch, NULL);
        }
        sh->leader = 0;
        /* requests still queued: the first one's writer leads them (one
         * wake-up, not every waiter's) */
        if (sh->head != NULL)
            pthread_cond_signal(&sh->head->cv);
    }
    pthread_mutex_unlock(&sh->mu);
    pthread_cond_destroy(&req.cv);
    if (req.rc != SR_OK && err)
        *err = req.err;
    return req.rc;
}

/* srp_next_id - counters live in meta as "seq:NAME" */
int srp_next_id(sr_store *st, MDB_txn *txn, const char *name, uint64_t *out, sr_error *err)
{
    char kb[32];
    unsigned char vb[8];
    MDB_val k, v;
    uint64_t n = 0;
    int rc;

    snprintf(kb, sizeof(kb), "seq:%s", name);
    k.mv_data = kb;
    k.mv_size = strlen(kb);
    rc = mdb_get(txn, st->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        n = srp_key_u64(v.mv_data);
    else if (rc != 0 && rc != MDB_NOTFOUND)
        return srp_mdb_error(err, rc, "counter");
    n++;
    srp_u64_key(vb, n);
    v.mv_data = vb;
    v.mv_size = 8;
    rc = mdb_put(txn, st->meta, &k, &v, 0);
    if (rc != 0)
        return srp_mdb_error(err, rc, "counter");
    *out = n;
    return SR_OK;
}

int srp_get_json(sr_store *st, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 json_t **out, sr_error *err)
{
    MDB_val k = {klen, (void *)key}, v;
    json_error_t je;
    int rc = mdb_get(txn, dbi, &k, &v);

    (void)st;
    if (rc == MDB_NOTFOUND)
        return srp_error(err, SR_ENOTFOUND, 0, "store", "not found");
    if (rc != 0)
        return srp_mdb_error(err, rc, "get");
    *out = json_loadb(v.mv_data, v.mv_size, JSON_DISABLE_EOF_CHECK * 0, &je);
    if (*out == NULL)
        return srp_error(err, SR_EFORMAT, 0, "store", "corrupt record: %s", je.text);
    return SR_OK;
}

int srp_put_json(sr_store *st, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 const json_t *val, sr_error *err)
{
    char stackbuf[4096], *buf = stackbuf;
    size_t need = json_dumpb(val, stackbuf, sizeof(stackbuf), JSON_COMPACT | JSON_REAL_PRECISION(9));
    MDB_val k = {klen, (void *)key}, v;
    int rc;

    (void)st;
    if (need == 0)
        return srp_error(err, SR_ENOMEM, ENOMEM, "store", "cannot encode record");
    if (need > sizeof(stackbuf)) {
        buf = malloc(need);
        if (buf == NULL)
            return srp_error(err, SR_ENOMEM, ENOMEM, "store", "out of memory");
        json_dumpb(val, buf, need, JSON_COMPACT | JSON_REAL_PRECISION(9));
    }
    v.mv_data = buf;
    v.mv_size = need;
    rc = mdb_put(txn, dbi, &k, &v, 0);
    if (buf != stackbuf)
        free(buf);
    return rc ? srp_mdb_error(err, rc, "put") : SR_OK;
}

/* --- tickets --------------------------------------------------------- */

static void jstr(const json_t *j, const char *key, char *out, size_t size)
{
    const char *s = json_string_value(json_object_get(j, key));
    srp_strlcpy(out, s ? s : "", size);
}

static long long jint(const json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

static double jnum(const json_t *j, const char *key)
{
    return json_number_value(json_object_get(j, key));
}

void srp_ticket_from_json(const json_t *j, sr_ticket *t)
{
    memset(t, 0, sizeof(*t));
    t->id = (uint64_t)jint(j, "id");
    t->channel = (sr_channel)jint(j, "ch");
    t->status = (sr_ticket_status)jint(j, "st");
    jstr(j, "req", t->requester, sizeof(t->requester));
    jstr(j, "name", t->requester_name, sizeof(t->requester_name));
    jstr(j, "email", t->email, sizeof(t->email));
    jstr(j, "pid", t->profile_id, sizeof(t->profile_id));
    jstr(j, "subj", t->subject, sizeof(t->subject));
    jstr(j, "q", t->queue, sizeof(t->queue));
    t->priority = (sr_priority)jint(j, "pri");
    jstr(j, "tags", t->tags, sizeof(t->tags));
    jstr(j, "asg", t->assignee, sizeof(t->assignee));
    jstr(j, "grp", t->assignee_group, sizeof(t->assignee_group));
    t->score = (float)jnum(j, "score");
    t->label = (sr_label)jint(j, "label");
    t->flags = (unsigned)jint(j, "flags");
    jstr(j, "lang", t->lang, sizeof(t->lang));
    t->prev_score = (float)jnum(j, "prev");
    t->turned_worse = (int)jint(j, "worse");
    t->order_value = jnum(j, "ov");
    t->vip = (int)jint(j, "vip");
    t->created = jint(j, "cr");
    t->updated = jint(j, "up");
    t->nmessages = (uint32_t)jint(j, "n");
    t->handed_off = (int)jint(j, "ho");
    jstr(j, "method", t->method, sizeof(t->method));
    jstr(j, "rid", t->remote_id, sizeof(t->remote_id));
}

json_t *srp_ticket_to_json(const sr_ticket *t)
{
    return json_pack("{sI sI sI ss ss ss ss ss ss sI ss ss ss sf sI sI ss sf sI sf sI sI sI sI "
                     "sI ss ss}",
                     "id", (json_int_t)t->id, "ch", (json_int_t)t->channel, "st",
                     (json_int_t)t->status, "req", t->requester, "name", t->requester_name,
                     "email", t->email, "pid", t->profile_id, "subj", t->subject, "q", t->queue,
                     "pri", (json_int_t)t->priority, "tags", t->tags, "asg", t->assignee, "grp",
                     t->assignee_group, "score", (double)t->score, "label",
                     (json_int_t)t->label, "flags", (json_int_t)t->flags, "lang", t->lang,
                     "prev", (double)t->prev_score, "worse", (json_int_t)t->turned_worse, "ov",
                     t->order_value, "vip", (json_int_t)t->vip, "cr", (json_int_t)t->created,
                     "up", (json_int_t)t->updated, "n", (json_int_t)t->nmessages, "ho",
                     (json_int_t)t->handed_off, "method", t->method, "rid", t->remote_id);
}

int srp_ticket_load(sr_store *st, MDB_txn *txn, uint64_t id, sr_ticket *t, sr_error *err)
{
    unsigned char k[8];
    json_t *j;
    int rc;

    srp_u64_key(k, id);
    rc = srp_get_json(st, txn, st->tickets, k, 8, &j, err);
    if (rc == SR_ENOTFOUND)
        return srp_error(err, SR_ENOTFOUND, 0, "ticket", "no ticket %llu",
                         (unsigned long long)id);
    if (rc != SR_OK)
        return rc;
    srp_ticket_from_json(j, t);
    json_decref(j);
    return SR_OK;
}

/* put_record - a record written with jsonw (see jsonw.h); with append,
 * a key after every other key of dbi goes in as LMDB's MDB_APPEND puts it
 * (see srp_msg_save), any other key as always */
static int put_record(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, srp_jw *w,
                      int append, const char *what, sr_error *err)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc;

    if (srp_jw_finish(w) != 0) {
        int bad = w->bad;
        srp_jw_free(w);
        if (bad == 2)
            return srp_error(err, SR_ENOMEM, ENOMEM, what, "out of memory");
        return srp_error(err, SR_EINVAL, 0, what, "cannot encode %s (invalid UTF-8 or number)",
                         what);
    }
    v.mv_data = w->buf;
    v.mv_size = w->len;
    rc = append ? mdb_put(txn, dbi, &k, &v, MDB_APPEND) : MDB_KEYEXIST;
    if (rc == MDB_KEYEXIST)   /* not the last key: LMDB changed nothing */
        rc = mdb_put(txn, dbi, &k, &v, 0);
    srp_jw_free(w);
    return rc != 0 ? srp_mdb_error(err, rc, what) : SR_OK;
}

int srp_ticket_save(sr_store *st, MDB_txn *txn, const sr_ticket *t, sr_error *err)
{
    unsigned char k[8];
    srp_jw w;

    /* the members of srp_ticket_to_json, in its order */
    srp_jw_begin(&w);
    srp_jw_int(&w, "id", (int64_t)t->id);
    srp_jw_int(&w, "ch", (int64_t)t->channel);
    srp_jw_int(&w, "st", (int64_t)t->status);
    srp_jw_str(&w, "req", t->requester);
    srp_jw_str(&w, "name", t->requester_name);
    srp_jw_str(&w, "email", t->email);
    srp_jw_str(&w, "pid", t->profile_id);
    srp_jw_str(&w, "subj", t->subject);
    srp_jw_str(&w, "q", t->queue);
    srp_jw_int(&w, "pri", (int64_t)t->priority);
    srp_jw_str(&w, "tags", t->tags);
    srp_jw_str(&w, "asg", t->assignee);
    srp_jw_str(&w, "grp", t->assignee_group);
    srp_jw_real(&w, "score", (double)t->score);
    srp_jw_int(&w, "label", (int64_t)t->label);
    srp_jw_int(&w, "flags", (int64_t)t->flags);
    srp_jw_str(&w, "lang", t->lang);
    srp_jw_real(&w, "prev", (double)t->prev_score);
    srp_jw_int(&w, "worse", (int64_t)t->turned_worse);
    srp_jw_real(&w, "ov", t->order_value);
    srp_jw_int(&w, "vip", (int64_t)t->vip);
    srp_jw_int(&w, "cr", (int64_t)t->created);
    srp_jw_int(&w, "up", (int64_t)t->updated);
    srp_jw_int(&w, "n", (int64_t)t->nmessages);
    srp_jw_int(&w, "ho", (int64_t)t->handed_off);
    srp_jw_str(&w, "method", t->method);
    srp_jw_str(&w, "rid", t->remote_id);
    (void)st;
    srp_u64_key(k, t->id);
    /* a new ticket is the last key (srp_next_id): appended, a full page
     * stays full; an update of an older one is a plain put */
    return put_record(txn, st->tickets, k, 8, &w, 1, "ticket", err);
}

/* --- messages -------------------------------------------------------- */

static void msg_from_json(const json_t *j, sr_stored_message *m)
{
    const char *text = json_string_value(json_object_get(j, "text"));

    memset(m, 0, sizeof(*m));
    m->seq = (uint32_t)jint(j, "seq");
    m->direction = (sr_direction)jint(j, "dir");
    jstr(j, "author", m->author, sizeof(m->author));
    m->at = jint(j, "at");
    m->text = strdup(text ? text : "");
    m->score = (float)jnum(j, "score");
    m->label = (sr_label)jint(j, "label");
    m->flags = (unsigned)jint(j, "flags");
    jstr(j, "lang", m->lang, sizeof(m->lang));
    jstr(j, "mid", m->message_id, sizeof(m->message_id));
    jstr(j, "refs", m->references, sizeof(m->references));
}

int srp_msg_load(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t seq,
                 sr_stored_message *m, sr_error *err)
{
    unsigned char k[12];
    json_t *j;
    int rc;

    srp_msg_key(k, ticket, seq);
    rc = srp_get_json(st, txn, st->msgs, k, 12, &j, err);
    if (rc != SR_OK)
        return rc;
    msg_from_json(j, m);
    json_decref(j);
    return m->text ? SR_OK : srp_error(err, SR_ENOMEM, ENOMEM, "message", "out of memory");
}

int srp_msg_save(sr_store *st, MDB_txn *txn, uint64_t ticket, const sr_stored_message *m,
                 sr_error *err)
{
    unsigned char k[12];
    srp_jw w;

    srp_jw_begin(&w);
    srp_jw_int(&w, "seq", (int64_t)m->seq);
    srp_jw_int(&w, "dir", (int64_t)m->direction);
    srp_jw_str(&w, "author", m->author);
    srp_jw_int(&w, "at", (int64_t)m->at);
    srp_jw_str(&w, "text", m->text ? m->text : "");
    srp_jw_real(&w, "score", (double)m->score);
    srp_jw_int(&w, "label", (int64_t)m->label);
    srp_jw_int(&w, "flags", (int64_t)m->flags);
    srp_jw_str(&w, "lang", m->lang);
    /* email threading, only when there is some (older records lack it) */
    if (m->message_id[0])
        srp_jw_str(&w, "mid", m->message_id);
    if (m->references[0])
        srp_jw_str(&w, "refs", m->references);
    srp_msg_key(k, ticket, m->seq);
    /* the newest ticket's message is the last key: LMDB splits a full
     * page of two ~2 KB messages into one and two, so plain puts left one
     * message per page (a page more written per ingest, a store twice the
     * size); MDB_APPEND starts a fresh page and leaves the full one full */
    return put_record(txn, st->msgs, k, 12, &w, 1, "message", err);
}

/* srp_msg_find_in - see store.h: a walk through the ticket's messages,
 * only asked when the Message-ID is in the index already */
uint32_t srp_msg_find_in(sr_store *st, MDB_txn *txn, uint64_t ticket, const char *mid,
                         const char *author)
{
    unsigned char k[12];
    MDB_cursor *cur;
    MDB_val key, val;
    uint32_t found = 0;
    int rc;

    if (*mid == '\0' || mdb_cursor_open(txn, st->msgs, &cur) != 0)
        return 0;
    srp_msg_key(k, ticket, 0);
    key.mv_data = k;
    key.mv_size = 12;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_SET_RANGE); rc == 0 && found == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        json_t *j;
        const char *m, *a;
        if (key.mv_size != 12 || srp_key_u64(key.mv_data) != ticket)
            break;
        j = json_loadb(val.mv_data, val.mv_size, 0, NULL);
        if (j == NULL)
            continue;
        m = json_string_value(json_object_get(j, "mid"));
        a = json_string_value(json_object_get(j, "author"));
        if (jint(j, "dir") == SR_DIR_IN && m != NULL && a != NULL && strcmp(m, mid) == 0 &&
            strcmp(a, author) == 0)
            found = (uint32_t)jint(j, "seq");
        json_decref(j);
    }
    mdb_cursor_close(cur);
    return found;
}

/* srp_transcript_read - messages 1..upto (0: all) of a ticket */
int srp_transcript_read(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t upto,
                        sr_stored_message **out, size_t *n, sr_error *err)
{
    return srp_transcript_read_from(st, txn, ticket, 0, upto, out, n, err);
}

/* msgs_seek, msgs_next - a ticket's messages in order from message
 * `from`: 0 on one (key, val), an LMDB code (MDB_NOTFOUND past the last) */
static int msgs_seek(MDB_cursor *cur, unsigned char k[12], uint64_t ticket, uint32_t from,
                     MDB_val *key, MDB_val *val)
{
    int rc;

    srp_msg_key(k, ticket, from);
    key->mv_data = k;
    key->mv_size = 12;
    rc = mdb_cursor_get(cur, key, val, MDB_SET_RANGE);
    return rc == 0 && (key->mv_size != 12 || srp_key_u64(key->mv_data) != ticket) ? MDB_NOTFOUND
                                                                                     : rc;
}

static int msgs_next(MDB_cursor *cur, uint64_t ticket, MDB_val *key, MDB_val *val)
{
    int rc = mdb_cursor_get(cur, key, val, MDB_NEXT);

    return rc == 0 && (key->mv_size != 12 || srp_key_u64(key->mv_data) != ticket) ? MDB_NOTFOUND
                                                                                     : rc;
}

/* srp_transcript_read_from - messages from..upto (upto 0: to the end) */
int srp_transcript_read_from(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t from,
                             uint32_t upto, sr_stored_message **out, size_t *n, sr_error *err)
{
    unsigned char k[12];
    MDB_cursor *cur;
    MDB_val key, val;
    sr_stored_message *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    rc = mdb_cursor_open(txn, st->msgs, &cur);
    if (rc != 0)
        return srp_mdb_error(err, rc, "cursor");
    for (rc = msgs_seek(cur, k, ticket, from, &key, &val); rc == 0;
         rc = msgs_next(cur, ticket, &key, &val)) {
        json_t *j;
        j = json_loadb(val.mv_data, val.mv_size, 0, NULL);
        if (j == NULL)
            continue;
        if (cnt == cap) {
            sr_stored_message *nv = realloc(v, (cap ? cap * 2 : 16) * sizeof(*v));
            if (nv == NULL) {
                json_decref(j);
                rc = ENOMEM;
                break;
            }
            v = nv;
            cap = cap ? cap * 2 : 16;
        }
        msg_from_json(j, &v[cnt]);
        json_decref(j);
        if (v[cnt].text == NULL) {   /* no partial transcript, no NULL text */
            rc = ENOMEM;
            break;
        }
        if (upto && v[cnt].seq > upto) {
            free(v[cnt].text);
            break;
        }
        cnt++;
    }
    mdb_cursor_close(cur);
    if (rc == ENOMEM) {
        sr_transcript_free(v, cnt);
        return srp_error(err, SR_ENOMEM, ENOMEM, "transcript", "out of memory");
    }
    if (rc != 0 && rc != MDB_NOTFOUND) {
        sr_transcript_free(v, cnt);
        return srp_mdb_error(err, rc, "transcript");
    }
    *out = v;
    *n = cnt;
    return SR_OK;
}

/* transcript_chunk - up to CHUNK_MSGS of the ticket's messages
 * from seq from on, in one short read transaction, stopping after about
 * CHUNK_TEXT bytes of text; *more when the ticket has messages after them */
#define CHUNK_MSGS 32
#define CHUNK_TEXT (1u << 20)
static int transcript_chunk(sr_store *st, uint64_t ticket, uint32_t from, sr_stored_message *v,
                            size_t *n, int *more, sr_error *err)
{
    unsigned char k[12];
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val key, val;
    size_t text = 0;
    int rc = srp_store_cursor(st, st->msgs, &txn, &cur, err);

    *n = 0;
    *more = 0;
    if (rc != SR_OK)
        return rc;
    for (rc = msgs_seek(cur, k, ticket, from, &key, &val); rc == 0;
         rc = msgs_next(cur, ticket, &key, &val)) {
        json_t *j;
        if (*n == CHUNK_MSGS || text >= CHUNK_TEXT) {
            *more = 1;
            break;
        }
        j = json_loadb(val.mv_data, val.mv_size, 0, NULL);
        if (j == NULL)
            continue;
        msg_from_json(j, &v[*n]);
        json_decref(j);
        if (v[*n].text == NULL) {
            srp_store_cursor_end(st, txn, cur);
            return srp_error(err, SR_ENOMEM, ENOMEM, "transcript", "out of memory");
        }
        text += strlen(v[*n].text);
        (*n)++;
    }
    srp_store_cursor_end(st, txn, cur);
    if (rc != 0 && rc != MDB_NOTFOUND && !*more)
        return srp_mdb_error(err, rc, "transcript");
    return SR_OK;
}

/* sr_ticket_transcript_foreach - the transcript a chunk at a time: memory
 * stays bounded however long it is, and no read transaction is held while
 * fn runs (fn may write to a pager that waits for its reader) */
int sr_ticket_transcript_foreach(sr_store *st, uint64_t id,
                                 int (*fn)(void *ud, const sr_stored_message *m), void *ud,
                                 sr_error *err)
{
    sr_stored_message *v = calloc(CHUNK_MSGS, sizeof(*v));
    size_t n = 0;
    uint32_t from = 0;
    int rc, more = 1, stop = 0;

    if (v == NULL)
        return srp_error(err, SR_ENOMEM, ENOMEM, "transcript", "out of memory");
    do {
        rc = transcript_chunk(st, id, from, v, &n, &more, err);
        for (size_t i = 0; i < n; i++) {
            if (rc == SR_OK && !stop)
                stop = fn(ud, &v[i]);
            free(v[i].text);
        }
        if (n > 0 && v[n - 1].seq == UINT32_MAX)
            more = 0;
        from = n > 0 ? v[n - 1].seq + 1 : from;
    } while (rc == SR_OK && !stop && more && n > 0);
    free(v);
    return rc;
}

void sr_transcript_free(sr_stored_message *msgs, size_t n)
{
    for (size_t i = 0; msgs && i < n; i++)
        free(msgs[i].text);
    free(msgs);
}

/* --- events ---------------------------------------------------------- */

int srp_event_add(sr_store *st, MDB_txn *txn, sr_event_type type, const sr_ticket *t,
                  const char *detail, int64_t at, sr_error *err)
{
    unsigned char k[8];
    uint64_t id;
    srp_jw w;
    int rc = srp_next_id(st, txn, "event", &id, err);

    if (rc != SR_OK)
        return rc;
    srp_jw_begin(&w);
    srp_jw_int(&w, "id", (int64_t)id);
    srp_jw_int(&w, "t", (int64_t)type);
    srp_jw_int(&w, "tk", (int64_t)t->id);
    srp_jw_int(&w, "at", (int64_t)at);
    srp_jw_int(&w, "ch", (int64_t)t->channel);
    srp_jw_real(&w, "score", (double)t->score);
    srp_jw_int(&w, "label", (int64_t)t->label);
    srp_jw_str(&w, "d", detail ? detail : "");
    srp_u64_key(k, id);
    return put_record(txn, st->events, k, 8, &w, 1, "event", err);   /* the last key */
}

/* sr_event_foreach - walk events in id (= time) order */
int sr_event_foreach(sr_store *st, int64_t since, int (*fn)(void *ud, const sr_event *ev),
                     void *ud, sr_error *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_val key, val;
    int rc = srp_store_cursor(st, st->events, &txn, &cur, err);

    if (rc != SR_OK)
        return rc;
    for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
        json_t *j = json_loadb(val.mv_data, val.mv_size, 0, NULL);
        sr_event ev;
        int stop;
        if (j == NULL)
            continue;
        memset(&ev, 0, sizeof(ev));
        ev.id = (uint64_t)jint(j, "id");
        ev.type = (sr_event_type)jint(j, "t");
        ev.ticket_id = (uint64_t)jint(j, "tk");
        ev.at = jint(j, "at");
        ev.channel = (sr_channel)jint(j, "ch");
        ev.score = (float)jnum(j, "score");
        ev.label = (sr_label)jint(j, "label");
        jstr(j, "d", ev.detail, sizeof(ev.detail));
        json_decref(j);
        if (ev.at < since)
            continue;
        stop = fn(ud, &ev);
        if (stop)
            break;
    }
    srp_store_cursor_end(st, txn, cur);
    return SR_OK;
}

void srp_ext_id(const sr_store *st, uint64_t ticket, char *out, size_t size)
{
    snprintf(out, size, "sr-%s-t%llu", st->instance, (unsigned long long)ticket);
}
