/*
 * store.h - the LMDB store's internals, shared by conversation.c,
 * outbox.c, profile.c and the drivers
 */
#ifndef SR_STORE_H
#define SR_STORE_H

#include "config.h"

#include <jansson.h>
#include <lmdb.h>
#include <pthread.h>

#define SRP_SCHEMA_VERSION 1

typedef struct srp_wreq srp_wreq;

/* What all views of one store share: the writer queue and the current
 * context. */
#define SRP_RPOOL_MAX 8

typedef struct srp_shared {
    /* group commit: writers queue requests, one leader runs a batch */
    pthread_mutex_t mu;
    srp_wreq *head, *tail;   /* each waits on its own condition (store.c) */
    int leader;
    /* the context new calls start with (sr_store_set_ctx), one reference */
    pthread_mutex_t ctx_mu;
    sr_ctx *ctx;
    /* durable group commit (srp_store_write): committed requests whose
     * meta page awaits a flush */
    srp_wreq *uhead, *utail;
    /* written space kept past LMDB's last page (keep_ahead in store.c):
     * the data file's size as we last saw or made it, 0 = not yet known */
    int64_t filled;
    /* one thread of the process at a time holds reader.lock (store.c) */
    pthread_mutex_t rlock_mu;
    /* ended read txns kept with their reader slots for the next reads
     * (srp_store_read_end): up to rpool_max, under pool_mu */
    pthread_mutex_t pool_mu;
    MDB_txn *rpool[SRP_RPOOL_MAX];
    int rpool_n, rpool_max;
} srp_shared;

/*
 * The handle sr_store_open returns has ctx and cfg NULL: a public function
 * that needs them works on a pinned view (srp_store_pin), a copy of the
 * handle whose ctx/cfg are the context current when the call began, held
 * by a reference until it returns.  Everything else is fixed at open.
 */
struct sr_store {
    const sr_ctx *ctx;
    const sr_config *cfg;
    MDB_env *env;
    MDB_dbi meta, tickets, msgs, conv, profiles, events, outbox, pending;
    unsigned flags;
    int schema;
    int batch_max;             /* store.batch_max as opened */
    int nosync;                /* opened without fsync (store.sync = false) */
    char *path;
    char instance[65];
    int wlock;                 /* writer.lock: flock'd around write txns, -1 read-only */
    int rlock;                 /* reader.lock: flock'd around reader slot claims, or -1 */
    srp_shared *sh;
};

/* A pinned view of a store for one call. */
typedef struct srp_pin {
    sr_store view;
    sr_ctx *ref;
} srp_pin;

/* srp_store_pin - fill pin with a view of st bound to the current context
 * (referenced) and return the view; srp_store_unpin drops the reference. */
sr_store *srp_store_pin(sr_store *st, srp_pin *pin);
void srp_store_unpin(srp_pin *pin);

/* srp_store_enter - srp_store_pin for a public function: the pinned view,
 * or NULL with SR_EINVAL ("no store") in err when store is NULL; either
 * way srp_store_unpin(pin) ends the call */
sr_store *srp_store_enter(sr_store *store, srp_pin *pin, sr_error *err);

/* A write: fn runs inside the batch's transaction (a nested one when the
 * batch has several) and returns SR_OK to keep its changes. */
typedef int (*srp_wfn)(sr_store *st, MDB_txn *txn, void *arg, sr_error *err);

/* srp_store_write - run fn in a write transaction and commit it durably
 * (grouped with concurrent writers; fn gets st, the caller's view, even
 * when another thread leads the batch).  Returns fn's code or a commit
 * error. */
int srp_store_write(sr_store *st, srp_wfn fn, void *arg, sr_error *err);

/* srp_store_read - begin a read transaction (MDB_NOTLS: any thread).
 * End it with srp_store_read_end, which keeps its reader slot for the
 * next read (mdb_txn_abort works too, and gives the slot up). */
int srp_store_read(sr_store *st, MDB_txn **txn, sr_error *err);
void srp_store_read_end(sr_store *st, MDB_txn *txn);

/* srp_store_reader_check - mdb_reader_check with reader.lock held: frees
 * the reader slots of dead processes, *dead of them */
void srp_store_reader_check(sr_store *st, int *dead);

/* srp_store_cursor - a read transaction and a cursor over dbi in it, for a
 * walk; srp_store_cursor_end closes the cursor and ends the transaction */
int srp_store_cursor(sr_store *st, MDB_dbi dbi, MDB_txn **txn, MDB_cursor **cur, sr_error *err);
void srp_store_cursor_end(sr_store *st, MDB_txn *txn, MDB_cursor *cur);

/* srp_mdb_error - SR_ESTORE with the LMDB text; MAP_FULL gets advice. */
int srp_mdb_error(sr_error *err, int rc, const char *what);

/* Keys */
void srp_u64_key(unsigned char out[8], uint64_t v);
uint64_t srp_key_u64(const void *p);
void srp_msg_key(unsigned char out[12], uint64_t ticket, uint32_t seq);

/* srp_next_id - bump and return a counter in meta ("ticket", "job", "event") */
int srp_next_id(sr_store *st, MDB_txn *txn, const char *name, uint64_t *out, sr_error *err);

/* JSON records: get parses (new reference), put serializes */
int srp_get_json(sr_store *st, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 json_t **out, sr_error *err);
int srp_put_json(sr_store *st, MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen,
                 const json_t *val, sr_error *err);

/* Tickets, messages and events as records */
void srp_ticket_from_json(const json_t *j, sr_ticket *t);
json_t *srp_ticket_to_json(const sr_ticket *t);
int srp_ticket_load(sr_store *st, MDB_txn *txn, uint64_t id, sr_ticket *t, sr_error *err);
int srp_ticket_save(sr_store *st, MDB_txn *txn, const sr_ticket *t, sr_error *err);
int srp_msg_load(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t seq,
                 sr_stored_message *m, sr_error *err);
int srp_msg_save(sr_store *st, MDB_txn *txn, uint64_t ticket, const sr_stored_message *m,
                 sr_error *err);
int srp_event_add(sr_store *st, MDB_txn *txn, sr_event_type type, const sr_ticket *t,
                  const char *detail, int64_t at, sr_error *err);
int srp_transcript_read(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t upto,
                        sr_stored_message **out, size_t *n, sr_error *err);
/* srp_transcript_read_from - the messages from..upto (upto 0: all after from) */
int srp_transcript_read_from(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t from,
                             uint32_t upto, sr_stored_message **out, size_t *n, sr_error *err);
/* srp_msg_find_in - the seq of the ticket's inbound message with this
 * Message-ID (as stored: srp_msgid_clean) from this author; 0 when none */
uint32_t srp_msg_find_in(sr_store *st, MDB_txn *txn, uint64_t ticket, const char *mid,
                         const char *author);

/* srp_ext_id - the ticket's external id: "sr-INSTANCE-tID" */
void srp_ext_id(const sr_store *st, uint64_t ticket, char *out, size_t size);

/* Outbox (outbox.c) */
typedef struct srp_jobspec {
    const char *kind, *target;
    uint64_t ticket;
    uint32_t seq;
    const char *to;
    const char *text;
    json_t *snapshot;   /* borrowed: ticket fields frozen at enqueue time */
} srp_jobspec;

int srp_outbox_add(sr_store *st, MDB_txn *txn, const srp_jobspec *spec, int64_t now,
                   uint64_t *id, sr_error *err);
/* srp_outbox_set - set key of job id's record to val (not stolen) */
int srp_outbox_set(sr_store *st, MDB_txn *txn, uint64_t id, const char *key, json_t *val,
                   sr_error *err);
/* srp_job_json - the stored job record (new ref) for the driver */
int srp_job_json(sr_store *st, uint64_t id, json_t **out, sr_error *err);

/* Replies that did not arrive (conversation.c) */
typedef struct srp_undelivered {
    uint32_t note_seq;     /* the note's place in the transcript */
    uint64_t comment_job;  /* the note's comment job for the helpdesk, 0 none */
    char method[16];       /* the external helpdesk the ticket is at, "" none */
} srp_undelivered;

int srp_ticket_undelivered(sr_store *st, MDB_txn *txn, uint64_t ticket, uint32_t reply_seq,
                           uint64_t job, const char *why, int64_t now, srp_undelivered *out,
                           sr_error *err);
int srp_ticket_delivered(sr_store *st, MDB_txn *txn, uint64_t ticket, sr_error *err);

/* srp_now - the store's clock (leases, backoff, job times): time(NULL)
 * plus srp_clock_skew, which only tests set (to move past a lease without
 * waiting for it) */
int64_t srp_now(void);
extern _Atomic int64_t srp_clock_skew;

/* srp_profile_lookup - 1 and *out when key ("e:..", "p:..", "j:..") has a profile */
int srp_profile_lookup(sr_store *st, MDB_txn *txn, const char *key, sr_profile *out);

#endif
