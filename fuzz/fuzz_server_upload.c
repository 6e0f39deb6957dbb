/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Multipart uploads as eseal serve reads them: the request goes through a real
 * libmicrohttpd connection (a socket pair, no network), its body through the
 * post processor into es_upload's bounded parts (server.c's path).
 * Input: "CONTENT-TYPE\nBODY". An even-sized input uploads an attachment
 * (kind, name, file), an odd one an application form with its impression. */
#include "es_int.h"
#include "fuzz.h"
#include "server/server.h"
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static struct MHD_Daemon *daemon_;
static const es_upload_spec *spec;
static es_upload up;
static bool active, answered;

static void check_result(int rc)
{
	if (rc == 0) {
		if (up.status)
			__builtin_trap();
		for (size_t i = 0; i < ES_UPLOAD_PARTS && spec->parts[i].name; i++) {
			const es_upload_part_spec *ps = &spec->parts[i];
			if (ps->required && !up.seen[i])
				__builtin_trap();
			if (!up.seen[i])
				continue;
			const uint8_t *d;
			size_t n;
			if (ps->file) {
				if (!es_upload_file(&up, ps->name, &d, &n, NULL) || n > ps->max)
					__builtin_trap();
			} else {
				const char *t = es_upload_text(&up, ps->name);
				if (!t || strlen(t) + 1 != up.data[i].len || strlen(t) > ps->max)
					__builtin_trap();
			}
		}
	} else if (up.status != 400 && up.status != 413 && up.status != 422 && up.status != 500) {
		__builtin_trap();
	}
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *data, size_t *size, void **req_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	if (!*req_cls) {
		es_upload_init(&up, spec);
		active = true;
		const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
		if (es_is_multipart(type))
			(void)es_upload_begin(&up, conn);
		*req_cls = &up;
		return MHD_YES;
	}
	if (*size) {
		(void)es_upload_feed(&up, data, *size);
		*size = 0;
		return MHD_YES;
	}
	int rc = up.pp ? es_upload_end(&up) : -1;
	if (up.pp)
		__builtin_trap();
	if (rc == 0 || up.status)
		check_result(rc);
	es_upload_release(&up);
	active = false;
	answered = true;
	struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(conn, rc == 0 ? 200 : 400, r);
	MHD_destroy_response(r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	if (*req_cls && active) {
		if (up.pp)
			(void)es_upload_end(&up);
		es_upload_release(&up);
		active = false;
	}
	*req_cls = NULL;
}

static unsigned connections(void)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	if (size > 65536)
		return 0;
	if (!daemon_) {
		daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, NULL,
					   MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
					   (size_t)64 * 1024, MHD_OPTION_END);
		if (!daemon_)
			return 0;
	}
	spec = es_upload_spec_of(size % 2 ? "ApplicationForm" : "AttachmentUpload");
	const uint8_t *nl = memchr(input, '\n', size);
	size_t tlen = nl ? (size_t)(nl - input) : 0;
	const uint8_t *body = nl ? nl + 1 : input;
	size_t blen = size - (size_t)(body - input);
	char type[256];
	if (tlen >= sizeof(type) || memchr(input, '\r', tlen) || memchr(input, 0, tlen))
		tlen = 0;
	memcpy(type, input, tlen);
	type[tlen] = 0;
	es_buf req = ES_BUF_INIT;
	if (es_buf_printf(&req, "POST /upload HTTP/1.1\r\nHost: fuzz\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			  tlen ? type : "multipart/form-data; boundary=B", blen) < 0 ||
	    es_buf_put(&req, body, blen) < 0) {
		es_buf_release(&req);
		return 0;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		es_buf_release(&req);
		return 0;
	}
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7f000001);
	answered = false;
	if (MHD_add_connection(daemon_, sv[1], (struct sockaddr *)&sa, sizeof(sa)) != MHD_YES) {
		close(sv[0]);
		close(sv[1]);
		es_buf_release(&req);
		return 0;
	}
	size_t sent = 0;
	char sink[4096];
	for (int round = 0; round < 20000 && !answered; round++) {
		if (sent < req.len) {
			ssize_t w = write(sv[0], req.ptr + sent, req.len - sent);
			if (w > 0)
				sent += (size_t)w;
		}
		MHD_run(daemon_);
		while (read(sv[0], sink, sizeof(sink)) > 0)
			;
		if (connections() == 0)
			break;
	}
	for (int round = 0; round < 100; round++) {
		MHD_run(daemon_);
		while (read(sv[0], sink, sizeof(sink)) > 0)
			;
		if (round == 2)
			shutdown(sv[0], SHUT_RDWR);
		if (connections() == 0)
			break;
	}
	close(sv[0]);
	for (int round = 0; round < 100 && connections(); round++)
		MHD_run(daemon_);
	es_buf_release(&req);
	es_error_clear();
	return 0;
}
