/* Unit tests: the lock sweep and planned deletion on a scratch cache. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "cache/cache.h"
#include "maint/delete.h"
#include "lock/lock.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

static char root[256];

static void put(const char *rel, const char *content)
{
	char *p = xasprintf("%s/%s", root, rel);
	FILE *f = fopen(p, "w");

	if (f) {
		fputs(content, f);
		fclose(f);
	}
	free(p);
}

static void mkd(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);

	mkdir(p, 0777);
	free(p);
}

static void lnk(const char *target, const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);

	if (symlink(target, p) < 0)
		perror(p);
	free(p);
}

static int there(const char *rel)
{
	struct stat st;
	char *p = xasprintf("%s/%s", root, rel);
	int r = lstat(p, &st) == 0;

	free(p);
	return r;
}

static int open_rel(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel);
	int fd = open(p, O_RDONLY);

	free(p);
	return fd;
}

static void test_soft_parse(void)
{
	char host[256], *s;

	gethostname(host, sizeof(host));
	host[255] = '\0';
	s = xasprintf("%d\n%s\n", (int)getpid(), host);
	ok(!lock_soft_owner_dead(s, host), "soft lock of a live pid is live");
	free(s);
	s = xasprintf("2147483000\n%s\n", host);
	ok(lock_soft_owner_dead(s, host), "soft lock of a dead pid is dead");
	free(s);
	ok(!lock_soft_owner_dead("2147483000\nelsewhere\n", host),
	   "soft lock of another host is never dead");
	ok(!lock_soft_owner_dead("garbage", host), "garbage is not dead");
	ok(!lock_soft_owner_dead("-1\nx\n", host), "negative pid is not dead");
}

static void test_sweep(void)
{
	struct lock_sweep_opts o = { 0 };
	struct lock_sweep s;
	struct strbuf err = STRBUF_INIT;
	char host[256], *soft;
	int lfd, bfd, holder, cfd;

	gethostname(host, sizeof(host));
	host[255] = '\0';
	mkd(".locks");
	mkd(".locks/models--a--b");
	mkd("models--a--b");
	mkd("models--a--b/blobs");
	put(".locks/models--a--b/free.lock", "");
	put(".locks/models--a--b/held.lock", "");
	put(".locks/models--a--b/dl.lock", "");
	put("models--a--b/blobs/dl.0123abcd.incomplete", "x");
	soft = xasprintf("%d\n%s\n", (int)getpid(), host);
	put(".locks/models--a--b/soft.lock", soft);
	free(soft);
	soft = xasprintf("2147483000\n%s\n", host);
	put(".locks/models--a--b/dead.lock", soft);
	free(soft);
	put("outside", "keep me");
	lnk("../../outside", ".locks/models--a--b/link.lock");
	put(".locks/models--a--b/notes.txt", "not a lock");

	holder = open_rel(".locks/models--a--b/held.lock");
	ok(holder >= 0 && flock(holder, LOCK_EX | LOCK_NB) == 0,
	   "a second open file holds held.lock");

	cfd = open(root, O_RDONLY | O_DIRECTORY);
	lfd = open_rel(".locks/models--a--b");
	bfd = open_rel("models--a--b/blobs");

	/* A dry run decides every fate and changes nothing. */
	o.dry_run = true;
	lock_sweep_init(&s, &o);
	ok(lock_sweep_dir(&s, lfd, ".locks/models--a--b", bfd, &err) == 0,
	   "dry sweep runs");
	lock_sweep_finish(&s);
	is_int((long long)s.count[LOCK_REMOVED], 2, "dry: two would go");
	ok(there(".locks/models--a--b/free.lock") &&
		   there(".locks/models--a--b/dead.lock"),
	   "dry: nothing removed");
	lock_sweep_release(&s);

	o.dry_run = false;
	o.grace_ms = 20;
	lock_sweep_init(&s, &o);
	ok(lock_sweep_dir(&s, lfd, ".locks/models--a--b", bfd, &err) == 0,
	   "sweep runs");
	lock_sweep_finish(&s);
	is_int((long long)s.nr, 6, "six lock names looked at");
	for (size_t i = 0; i < s.nr; i++) {
		const char *p = strrchr(s.items[i].path, '/') + 1;
		enum lock_fate want =
			!strcmp(p, "free.lock")	  ? LOCK_REMOVED
			: !strcmp(p, "dead.lock") ? LOCK_REMOVED
			: !strcmp(p, "held.lock") ? LOCK_KEPT_HELD
			: !strcmp(p, "dl.lock")	  ? LOCK_KEPT_DOWNLOAD
			: !strcmp(p, "soft.lock") ? LOCK_KEPT_SOFT
						  : LOCK_KEPT_NOT_FILE;
		is_str(lock_fate_name(s.items[i].fate), lock_fate_name(want),
		       p);
	}
	ok(!there(".locks/models--a--b/free.lock"), "free lock removed");
	ok(!there(".locks/models--a--b/dead.lock"), "dead soft lock removed");
	ok(there(".locks/models--a--b/held.lock"), "held lock kept");
	ok(there(".locks/models--a--b/link.lock") && there("outside"),
	   "symlink lock and its target kept");
	ok(there(".locks/models--a--b/notes.txt"), "other names untouched");
	lock_sweep_release(&s);

	/* Recent files are kept. */
	put(".locks/models--a--b/new.lock", "");
	o.older_than = 600;
	lock_sweep_init(&s, &o);
	is_str(lock_fate_name(lock_sweep_file(&s, lfd, ".locks/models--a--b",
					      "new.lock", bfd)),
	       "recent", "a new lock file is recent");
	lock_sweep_finish(&s);
	lock_sweep_release(&s);

	close(holder);
	close(lfd);
	close(bfd);
	close(cfd);
	strbuf_release(&err);
}

static const char *c1 = "1111111111111111111111111111111111111111";
static const char *c2 = "2222222222222222222222222222222222222222";

static void make_repo(void)
{
	mkd("models--o--m");
	mkd("models--o--m/blobs");
	mkd("models--o--m/refs");
	mkd("models--o--m/snapshots");
	mkd("models--o--m/snapshots/1111111111111111111111111111111111111111");
	mkd("models--o--m/snapshots/2222222222222222222222222222222222222222");
	mkd("models--o--m/.no_exist");
	mkd("models--o--m/.no_exist/1111111111111111111111111111111111111111");
	mkd("models--o--m/trees");
	put("models--o--m/trees/1111111111111111111111111111111111111111.json",
	    "{}");
	put("models--o--m/blobs/shared", "shared!");
	put("models--o--m/blobs/only1", "only in one");
	put("models--o--m/blobs/only2", "two");
	lnk("../../blobs/shared", "models--o--m/snapshots/"
				  "1111111111111111111111111111111111111111/a");
	lnk("../../blobs/only1", "models--o--m/snapshots/"
				 "1111111111111111111111111111111111111111/b");
	lnk("../../../outside", "models--o--m/snapshots/"
				"1111111111111111111111111111111111111111/out");
	lnk("../../blobs/shared", "models--o--m/snapshots/"
				  "2222222222222222222222222222222222222222/a");
	lnk("../../blobs/only2", "models--o--m/snapshots/"
				 "2222222222222222222222222222222222222222/c");
	put("models--o--m/refs/v1", c1);
	put("models--o--m/refs/main", c2);
}

static void test_delete(void)
{
	struct cache c = { 0 };
	struct delete_plan p;
	struct delete_opts o = { .grace_ms = 10 };
	struct strbuf err = STRBUF_INIT;
	uint64_t bytes;
	int holder, ret;

	make_repo();
	ok(cache_open(&c, root, &err) == 0, "cache opens");

	ok(delete_plan_revision(&c, "models--o--m", c1, &p, &err) == 0,
	   "plan revision 1");
	ok(!p.whole_repo, "not the whole repo");
	is_int((long long)p.bytes, 11 + 2, "frees only1 and the tree json");
	ret = delete_execute(&c, &p, &o, &err);
	is_int(ret, 0, "revision 1 deleted");
	delete_plan_release(&p);
	ok(!there("models--o--m/refs/v1") && there("models--o--m/refs/main"),
	   "its ref went, main stayed");
	ok(!there("models--o--m/snapshots/"
		  "1111111111111111111111111111111111111111"),
	   "its snapshot went");
	ok(!there("models--o--m/blobs/only1") &&
		   there("models--o--m/blobs/shared") &&
		   there("models--o--m/blobs/only2"),
	   "only the unshared blob went");
	ok(!there("models--o--m/.no_exist/"
		  "1111111111111111111111111111111111111111") &&
		   !there("models--o--m/trees/"
			  "1111111111111111111111111111111111111111.json"),
	   ".no_exist and trees entries went");
	ok(there("outside"), "the outside target is untouched");
	ok(!there(".locks/models--o--m/only1.lock"),
	   "no lock file left behind");

	/* A held blob lock makes the repo deletion refuse. */
	mkd(".locks/models--o--m");
	put(".locks/models--o--m/only2.lock", "");
	holder = open_rel(".locks/models--o--m/only2.lock");
	flock(holder, LOCK_EX);
	put("models--o--m/blobs/only2.abcdef12.incomplete", "partial");
	ok(delete_plan_revision(&c, "models--o--m", c2, &p, &err) == 0 &&
		   p.whole_repo,
	   "the last revision plans the whole repo");
	is_int((long long)p.held_locks.nr, 1, "plan sees the held lock");
	is_int(delete_execute(&c, &p, &o, &err), DELETE_BUSY,
	       "refused without force");
	ok(there("models--o--m/refs/main"), "nothing deleted");
	ok(delete_blob(&c, "models--o--m", "only2.abcdef12.incomplete", false,
		       0, NULL, &bytes, &err) == DELETE_BUSY,
	   "delete_blob refuses a busy .incomplete");
	o.force = true;
	is_int(delete_execute(&c, &p, &o, &err), DELETE_DONE,
	       "forced deletion");
	ok(there("models--o--m/blobs/only2") &&
		   there("models--o--m/blobs/only2.abcdef12.incomplete") &&
		   there(".locks/models--o--m/only2.lock"),
	   "the busy blob, its download and its lock stay");
	ok(!there("models--o--m/refs") && !there("models--o--m/snapshots") &&
		   !there("models--o--m/blobs/shared"),
	   "everything else went");
	ok(p.nr_kept >= 2 && !p.repo_removed, "kept entries are reported");
	delete_plan_release(&p);
	close(holder);

	ok(delete_blob(&c, "models--o--m", "only2.abcdef12.incomplete", false,
		       86400, NULL, &bytes, &err) == DELETE_BUSY &&
		   there("models--o--m/blobs/only2.abcdef12.incomplete"),
	   "delete_blob keeps a free .incomplete written within partial_age");
	ok(delete_blob(&c, "models--o--m", "only2.abcdef12.incomplete", false,
		       0, NULL, &bytes, &err) == DELETE_DONE &&
		   bytes == 7,
	   "delete_blob removes a free .incomplete");
	ok(delete_plan_repo(&c, "models--o--m", &p, &err) == 0, "plan repo");
	is_int(delete_execute(&c, &p, &o, &err), DELETE_DONE, "repo deleted");
	ok(p.repo_removed && !there("models--o--m") &&
		   !there(".locks/models--o--m"),
	   "repo and lock folder gone");
	delete_plan_release(&p);
	cache_close(&c);
	strbuf_release(&err);
}

int main(void)
{
	char *cmd;

	snprintf(root, sizeof(root), "%s/mlxk-delete-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	test_soft_parse();
	test_sweep();
	test_delete();
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", root);
	free(cmd);
	return done_testing();
}
