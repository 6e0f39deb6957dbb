/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filing sender (es_filing.h): a sender of the program's own, and the libcurl POST
 * to loopback receivers on IPv4, on IPv6 (::1, when the machine has it) and by host name. */
#include "tp.h"
#include "eseal/es_filing.h"
#include <jansson.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "tp.c.inc"

/* ---- a sender of the program's own ------------------------------------------------ */

typedef struct collected {
	char target[8][16], key[8][96];
	size_t n;
	bool fail;
} collected;

static int collect(void *ctx, const es_filing *f)
{
	collected *c = ctx;
	if (c->fail)
		return es_error_set(ES_EIO, "the queue is down");
	if (c->n < 8) {
		snprintf(c->target[c->n], sizeof(c->target[0]), "%s", f->target);
		snprintf(c->key[c->n], sizeof(c->key[0]), "%s", f->key);
		/* the payload is the filing record (JSON) */
		json_error_t je;
		json_t *j = json_loadb(f->payload, f->len, 0, &je);
		assert_non_null(j);
		json_decref(j);
		c->n++;
	}
	return 0;
}

static void t_own_sender(void **state)
{
	(void)state;
	tp_env e;
	char a[15], b[15];
	unsigned sent, failed;
	collected c = { .fail = true };
	es_filing_sender s = { "queue", collect, &c };
	tp_setup(&e);
	es_platform_set_filing_sender(e.p, &s);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	/* refused: retried later, the reason kept for operators */
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 0);
	assert_true(failed >= 1);
	assert_int_equal(tp_count(&e, "SELECT COUNT(*) FROM outbox WHERE last_error LIKE '%queue is down%'"), failed);
	c.fail = false;
	tp_now_days(1);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 2);
	assert_int_equal(failed, 0);
	assert_int_equal(c.n, 2);
	assert_true(strcmp(c.target[0], c.target[1]) != 0); /* public security and the national platform */
	assert_true(strcmp(c.key[0], c.key[1]) != 0);
	/* back to the default: the file drop */
	es_platform_set_filing_sender(e.p, NULL);
	tp_seal(&e, ES_KIND_SPECIAL, ES_FUNC_CONTRACT, "福建省测试厅合同专用章", 0, b);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 2);
	assert_int_equal(c.n, 2);
	es_buf drop = ES_BUF_INIT;
	assert_int_equal(tu_run(&drop, "ls %s/outbox/psb | grep -c json", e.dir), 0);
	TU_OK(es_buf_put(&drop, "", 1));
	assert_int_equal(strtol((const char *)drop.ptr, NULL, 10), 1);
	es_buf_release(&drop);
	tp_teardown(&e);
}

/* ---- the libcurl POST to loopback receivers ----------------------------------------------- */

/* A listening socket on the loopback of @p family, port chosen by the kernel; -1 if there is none. */
static int loopback(int family, int *port)
{
	int fd = socket(family, SOCK_STREAM, 0), one = 1;
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*s4);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 8) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Serve @p n requests answering @p status; the request heads are written to @p log. */
static pid_t receive(int lfd, int n, int status, const char *log)
{
	pid_t child = fork();
	assert_true(child >= 0);
	if (child > 0) {
		close(lfd);
		return child;
	}
	for (int i = 0; i < n; i++) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(1);
		char buf[16384];
		size_t got = 0;
		for (;;) {
			ssize_t r = recv(c, buf + got, sizeof(buf) - 1 - got, 0);
			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = 0;
			char *end = strstr(buf, "\r\n\r\n"), *cl = strstr(buf, "Content-Length: ");
			if (end && cl && got >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10))
				break;
		}
		buf[got] = 0;
		FILE *f = fopen(log, "a");
		if (f) {
			fputs(buf, f);
			fputs("\n----\n", f);
			fclose(f);
		}
		char ans[128];
		int m = snprintf(ans, sizeof(ans), "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
		(void)!send(c, ans, (size_t)m, MSG_NOSIGNAL);
		close(c);
	}
	_exit(0);
}

static void posted(const char *log, const char *want)
{
	es_buf b = ES_BUF_INIT;
	TU_OK(es_file_read(&b, log, 1 << 20));
	TU_OK(es_buf_put(&b, "", 1));
	if (!strstr((const char *)b.ptr, want))
		fail_msg("the receiver did not get '%s':\n%s", want, (const char *)b.ptr);
	es_buf_release(&b);
}

static void t_post(void **state)
{
	(void)state;
	char url[128], log[600];
	int port, status;
	const es_filing f = { "psb", "seal-35000000000001-made", "{\"esid\": \"35000000000001\"}", 26 };
	snprintf(log, sizeof(log), "%s/posts.txt", tu_tmpdir());
	/* IPv4, by address */
	int lfd = loopback(AF_INET, &port);
	assert_true(lfd >= 0);
	pid_t child = receive(lfd, 2, 200, log);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/filing", port);
	TU_OK(es_filing_post(url, NULL, 5, &f));
	posted(log, "POST /filing HTTP/1.1");
	posted(log, "Idempotency-Key: seal-35000000000001-made");
	posted(log, "X-Filing-Target: psb");
	posted(log, "{\"esid\": \"35000000000001\"}");
	/* by host name (resolved, not parsed as an address) */
	snprintf(url, sizeof(url), "http://localhost:%d/by-name", port);
	TU_OK(es_filing_post(url, NULL, 5, &f));
	posted(log, "POST /by-name");
	/* the receiver refuses: the status is named */
	waitpid(child, &status, 0);
	lfd = loopback(AF_INET, &port);
	child = receive(lfd, 1, 503, log);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/filing", port);
	assert_int_equal(es_filing_post(url, NULL, 5, &f), ES_EIO);
	assert_non_null(strstr(es_error_last()->message, "503"));
	waitpid(child, &status, 0);
	/* nobody listening: an I/O error, retried later by the outbox */
	assert_int_equal(es_filing_post(url, NULL, 2, &f), ES_EIO);
	/* other schemes are refused before any connection; credentials never reach a message */
	assert_int_equal(es_filing_post("ftp://127.0.0.1/x", NULL, 2, &f), ES_EINVAL);
	assert_int_equal(es_filing_post("file:///etc/passwd", NULL, 2, &f), ES_EINVAL);
	snprintf(url, sizeof(url), "http://filer:s3cret-pw@127.0.0.1:%d/filing", port);
	assert_int_equal(es_filing_post(url, NULL, 2, &f), ES_EIO);
	assert_null(strstr(es_error_last()->message, "s3cret-pw"));
	const es_filing bad = { "psb", "key\r\nX-Evil: 1", "{}", 2 };
	assert_int_equal(es_filing_post(url, NULL, 2, &bad), ES_EINVAL);
	/* HTTPS to a plain-HTTP receiver: the TLS handshake fails, nothing is taken as sent */
	lfd = loopback(AF_INET, &port);
	child = receive(lfd, 1, 200, log);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/filing", port);
	assert_int_equal(es_filing_post(url, NULL, 5, &f), ES_EIO);
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	/* IPv6 loopback, when the machine has one */
	lfd = loopback(AF_INET6, &port);
	if (lfd < 0) {
		print_message("no IPv6 loopback here: the ::1 case is skipped\n");
		return;
	}
	child = receive(lfd, 1, 200, log);
	snprintf(url, sizeof(url), "http://[::1]:%d/v6", port);
	TU_OK(es_filing_post(url, NULL, 5, &f));
	posted(log, "POST /v6");
	waitpid(child, &status, 0);
}

/* The outbox end to end over IPv6: the platform's default sender with an [::1] URL. */
static void t_outbox_ipv6(void **state)
{
	(void)state;
	tp_env e;
	char a[15], url[128], log[600];
	unsigned sent, failed;
	int port, status;
	int lfd = loopback(AF_INET6, &port);
	if (lfd < 0) {
		print_message("no IPv6 loopback here: skipped\n");
		return;
	}
	tp_setup(&e);
	snprintf(url, sizeof(url), "http://[::1]:%d/filing", port);
	snprintf(log, sizeof(log), "%s/v6.txt", e.dir);
	es_platform_close(e.p);
	tp_open(&e, url);
	pid_t child = receive(lfd, 2, 200, log);
	tp_seal(&e, ES_KIND_OFFICIAL, 0, "福建省测试厅", 0, a);
	TU_OK(es_platform_outbox_deliver(e.p, &sent, &failed));
	assert_int_equal(sent, 2);
	assert_int_equal(failed, 0);
	waitpid(child, &status, 0);
	posted(log, "X-Filing-Target: psb");
	posted(log, "X-Filing-Target: national");
	tp_teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_own_sender),
		cmocka_unit_test(t_post),
		cmocka_unit_test(t_outbox_ipv6),
	};
	return tp_main(tests, ES_ARRAY_LEN(tests), "platform-filing");
}
