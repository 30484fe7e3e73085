/* dk_http.h: the sync worker's HTTP(S) client (libcurl): verified TLS, byte caps, timeouts,
 * resumable downloads, and every failure told once in plain words. */
#ifndef DK_HTTP_H
#define DK_HTTP_H

#include "dk_buf.h"
#include "dk_error.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* How transfers are made. Strings are copied by dk_http_new(). */
typedef struct dk_http_options {
    const char *ca_file;           /* PEM file of trusted authorities; NULL or "": the system's */
    const char *pinned_public_key; /* "sha256//BASE64[;sha256//...]"; NULL or "": no pin */
    int allow_http_loopback;       /* 1: http:// is allowed when the host is a loopback address */
    long connect_timeout_s;        /* [s] 0: libcurl's default */
    long low_speed_bytes_s;        /* [bytes/s] slower than this ... */
    long low_speed_time_s;         /* [s] ... for this long aborts the transfer; 0: no limit */
    const char *user_agent;        /* NULL: "district-kiosk" */
} dk_http_options;

/* One client: a libcurl easy handle and its settings. A handle belongs to one thread at a
 * time (the thread that uses it owns it); different handles may be used by different threads. */
typedef struct dk_http dk_http;

/* What came back. */
#define DK_HTTP_ETAG_MAX 128
typedef struct dk_http_reply {
    long status;                 /* HTTP status; 0 when no answer arrived */
    char etag[DK_HTTP_ETAG_MAX]; /* the ETag header as sent, "" if none (or too long) */
    uint64_t received;           /* [bytes] of body received by this call */
    int resumed;                 /* dk_http_get_file: 1 if it continued a partial file */
} dk_http_reply;

/* Makes a client. DK_ERR_NOMEM, or DK_ERR_NETWORK when libcurl cannot start. Free with
 * dk_http_free(). curl_global_init() runs once for the process, on first use. */
dk_err dk_http_new(const dk_http_options *opt, dk_http **out) DK_MUST_CHECK;
void dk_http_free(dk_http *h); /* accepts NULL */

/* A flag another thread sets to stop transfers promptly (within about a second), and a
 * deadline (CLOCK_MONOTONIC seconds, 0: none) after which transfers fail. Both apply to every
 * following call on h; the flag is borrowed and must outlive h. */
void dk_http_set_cancel(dk_http *h, const atomic_int *cancel);
void dk_http_set_deadline(dk_http *h, double monotonic_deadline_s);

/* Called now and then during a transfer with the body bytes received so far in this call. */
typedef void (*dk_http_progress_fn)(void *arg, uint64_t received);
void dk_http_set_progress(dk_http *h, dk_http_progress_fn fn, void *arg);

/* Monotonic clock in seconds (the clock of dk_http_set_deadline). */
double dk_http_monotonic(void);

/* GET url into body (reset first), at most cap bytes. With if_none_match (an ETag, NULL or ""
 * for none) a 304 reply is a success with reply->status 304 and an empty body. DK_OK means
 * status 200 (or 304); everything else fails:
 *   DK_ERR_NETWORK   no connection, TLS failure, timeout, reset, cancelled, deadline;
 *   DK_ERR_LIMIT     the body is longer than cap;
 *   DK_ERR_NOTFOUND  404 or 410;
 *   DK_ERR_PROTOCOL  any other status, a redirect (never followed), a plain-http URL that is
 *                    not allowed;
 *   DK_ERR_NOMEM.
 * The detail says what happened in plain words, naming the server and the file, e.g. "the
 * server 127.0.0.1:8443 did not answer within 10 s". */
dk_err dk_http_get(dk_http *h, const char *url, const char *if_none_match, size_t cap, dk_buf *body,
                   dk_http_reply *reply) DK_MUST_CHECK;

/* Downloads url into the file path so that it holds at most length bytes. A file already at
 * path is continued with a range request (CURLOPT_RESUME_FROM_LARGE); a server that answers
 * the range with the whole file (200) or with an unusable range makes the file start over,
 * a 416 is accepted as "nothing more to fetch" (the file may be complete). A file longer
 * than length is discarded first. The caller must check length and hash of the whole file
 * afterwards: this function does not know what the bytes should be. On failure the bytes
 * received so far stay in the file, for the next attempt to continue. Errors as
 * dk_http_get(), plus DK_ERR_LIMIT when the server sends more than length bytes,
 * DK_ERR_NOSPACE when the disk is full and DK_ERR_IO for other write errors. */
dk_err dk_http_get_file(dk_http *h, const char *url, const char *path, uint64_t length,
                        dk_http_reply *reply) DK_MUST_CHECK;

/* POSTs a JSON body with "Authorization: Bearer <token>" (token NULL or "": no header; the
 * token is never logged or put into an error message). The reply body (at most cap bytes)
 * goes into body. DK_OK for a 2xx reply; other statuses fail as in dk_http_get(), with the
 * hub's JSON "message" in the detail where it sent one. */
dk_err dk_http_post_json(dk_http *h, const char *url, const char *token, const char *json,
                         size_t len, size_t cap, dk_buf *body, dk_http_reply *reply) DK_MUST_CHECK;

/* POSTs len bytes of data exactly as they are, with "Content-Type: <content_type>", the extra
 * header lines in headers_extra (a NULL-terminated list of "Name: value", or NULL) and
 * "Authorization: Bearer <token>" (token NULL or "": none). Replies and errors as
 * dk_http_post_json(); reply->status holds the status whenever an answer arrived (0: none), so
 * a caller can act on each status itself. data is borrowed for the call. */
dk_err dk_http_post(dk_http *h, const char *url, const char *token, const char *content_type,
                    const char *const *headers_extra, const void *data, size_t len, size_t cap,
                    dk_buf *body, dk_http_reply *reply) DK_MUST_CHECK;

/* 1 if url's host is a loopback address (127.0.0.0/8, ::1, localhost), else 0. */
int dk_http_is_loopback_url(const char *url);

#endif
