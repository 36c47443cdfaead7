#!/usr/bin/env python3
"""pagelog.py LOG [SKIP] - the pages each LMDB commit wrote, by database

LOG is tests/bench/pagelog.c's log; the first SKIP commits are left out
(1: the store's creation).  A commit ends at LMDB's meta page write.
Leaves are told apart by their records (sentiroute's key and value
shapes, core/store.c), branch pages by the pages under them written in
the same commit.  "runs" counts the pages of a commit that follow no
other page of it in the file: the kernel writes each such run in one
block-device request (add the meta page, and on ext4 without a journal
about one request for each fdatasync).
"""
import collections
import sys


def leaf_db(ksize, key, dsize, nflags, vhead):
    k, v = bytes.fromhex(key), bytes.fromhex(vhead)
    if nflags & 2:                    # F_SUBDATA: a named database's record
        return 'main'
    if ksize == 12:
        return 'messages'
    if ksize == 8:
        if v.startswith(b'{"id":'):
            return 'events' if b'"t":' in v else 'tickets' if b'"ch":' in v else 'outbox'
        if dsize == 0:
            return 'pending'
        return 'outbox' if v.startswith(b'{') else 'free'   # free: txnid -> page list
    if k.startswith((b'seq:', b'rsv:', b'schema')) or k[2:3] == b':':
        return 'meta'
    if k[1:2] == b':':
        return 'conv' if dsize == 8 else 'profiles'
    return '?'


def commits(path):
    cur = []
    for line in open(path):
        f = line.split()
        if f[0] == 'W':
            pgno, flags = int(f[1]), int(f[2])
            if flags & 1:
                cur.append((pgno, True, [int(x.split(':')[0][1:]) for x in f[4:]]))
            elif len(f) > 4:
                x = f[4].split(':')
                cur.append((pgno, False, leaf_db(int(x[1]), x[2], int(x[4]), int(x[5]), x[6])))
            else:
                cur.append((pgno, False, 'empty'))
        elif f[0] == 'O':
            cur.append((int(f[1]), False, 'overflow'))
        elif f[0] == 'U':
            yield cur
            cur = []


def label(c):
    db = {p: a for p, branch, a in c if not branch}
    for _ in range(4):
        for p, branch, a in c:
            if branch and p not in db:
                under = {db[x] for x in a if x in db}
                if under:
                    db[p] = under.pop()
    return {p: db.get(p, '?') + (' (branch)' if branch else '') for p, branch, a in c}


def main():
    skip = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    per, pairs = collections.Counter(), collections.Counter()
    n = pages = runs = 0
    for c in list(commits(sys.argv[1]))[skip:]:
        lab = label(c)
        pg = sorted(lab)
        n += 1
        pages += len(pg)
        runs += sum(1 for i, p in enumerate(pg) if i == 0 or pg[i - 1] != p - 1)
        per.update(lab.values())
        for a, b in zip(pg, pg[1:]):
            if b == a + 1:
                pairs[(lab[a], lab[b])] += 1
    if n == 0:
        sys.exit('no commits')
    print('%d commits: %.2f pages, %.2f runs a commit' % (n, pages / n, runs / n))
    for k, v in sorted(per.items(), key=lambda kv: -kv[1]):
        print('  %-20s %.3f' % (k, v / n))
    print('pages written next to each other (a commit):')
    for (a, b), v in pairs.most_common(8):
        print('  %-40s %.3f' % (a + ' + ' + b, v / n))


if __name__ == '__main__':
    main()
