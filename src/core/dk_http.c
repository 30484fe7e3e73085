/* dk_http.c: libcurl behind the sync worker: HTTPS only (plain http for loopback tests), peer and
 * host verified, byte caps counted twice (announced and received), resumable file downloads,
 * cancellation through the progress callback, and CURLcode/status turned into plain words. */
#include "dk_http.h"

#include "dk_crypto.h"
#include "dk_fault.h"
#include "dk_log.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ERROR_BODY_MAX 2048 /* [bytes] of a non-2xx reply kept for its message */
#define WHAT_MAX       160  /* [bytes] of the file's name in messages */
#define AUTH_MAX       640  /* [bytes] of the Authorization header (tokens are at most 511) */

struct dk_http {
    CURL *curl;
    char *ca_file, *pin, *user_agent;
    int allow_http;
    long connect_timeout_s, low_speed_bytes_s, low_speed_time_s;
    const atomic_int *cancel;
    double deadline;
    dk_http_progress_fn progress;
    void *progress_arg;
    char errbuf[CURL_ERROR_SIZE];
};

/* One transfer's state, shared with libcurl's callbacks. */
typedef struct transfer {
    dk_http *h;
    char server[280];    /* "host:port" for messages */
    char what[WHAT_MAX]; /* the URL's path for messages */
    /* memory mode */
    dk_buf *body;
    size_t cap;
    /* file mode */
    int fd;
    uint64_t offset, length;
    /* results */
    uint64_t received;
    int error_page_cut;
    int over_cap, write_errno, nomem, cancelled, deadline_hit, bad_partial;
    dk_buf errbody;
    char etag[DK_HTTP_ETAG_MAX];
} transfer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

double dk_http_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_or_null(const char *s)
{
    return s && *s ? strdup(s) : NULL;
}

dk_err dk_http_new(const dk_http_options *opt, dk_http **out)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return dk_error_set(DK_ERR_NETWORK, "cannot start libcurl: %s",
                            curl_easy_strerror(global_rc));
    dk_http *h = calloc(1, sizeof *h);
    if (!h)
        return dk_error_set(DK_ERR_NOMEM, "http: out of memory");
    h->curl = curl_easy_init();
    h->ca_file = dup_or_null(opt->ca_file);
    h->pin = dup_or_null(opt->pinned_public_key);
    h->user_agent =
        strdup(opt->user_agent && *opt->user_agent ? opt->user_agent : "district-kiosk");
    if (!h->curl || (opt->ca_file && *opt->ca_file && !h->ca_file) ||
        (opt->pinned_public_key && *opt->pinned_public_key && !h->pin) || !h->user_agent) {
        dk_http_free(h);
        return dk_error_set(DK_ERR_NOMEM, "http: cannot make a libcurl handle");
    }
    h->allow_http = opt->allow_http_loopback;
    h->connect_timeout_s = opt->connect_timeout_s;
    h->low_speed_bytes_s = opt->low_speed_bytes_s;
    h->low_speed_time_s = opt->low_speed_time_s;
    *out = h;
    return DK_OK;
}

void dk_http_free(dk_http *h)
{
    if (!h)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->ca_file);
    free(h->pin);
    free(h->user_agent);
    free(h);
}

void dk_http_set_cancel(dk_http *h, const atomic_int *cancel)
{
    h->cancel = cancel;
}

void dk_http_set_deadline(dk_http *h, double monotonic_deadline_s)
{
    h->deadline = monotonic_deadline_s;
}

void dk_http_set_progress(dk_http *h, dk_http_progress_fn fn, void *arg)
{
    h->progress = fn;
    h->progress_arg = arg;
}

/* ---- URLs ---- */

/* Copies text from a server (a header, a message) for a log line or the staff screen:
 * printable ASCII only, at most outsz - 1 bytes. */
static void clean_copy(char *out, size_t outsz, const char *in, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < outsz; i++) {
        unsigned char c = (unsigned char)in[i];
        out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[n] = '\0';
}

static int host_is_loopback(const char *host)
{
    if (strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
        strcmp(host, "::1") == 0)
        return 1;
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) == 1)
        return (ntohl(a.s_addr) >> 24) == 127;
    return 0;
}

/* Splits url into scheme, "host[:port]" and path. DK_ERR_INVALID if it is not a URL. */
static dk_err split_url(const char *url, char *scheme, size_t schemesz, char *server,
                        size_t serversz, char *path, size_t pathsz, int *loopback)
{
    CURLU *u = curl_url();
    if (!u)
        return dk_error_set(DK_ERR_NOMEM, "http: out of memory");
    char *s = NULL, *host = NULL, *port = NULL, *p = NULL;
    dk_err err = DK_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &s, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        char shown[120];
        clean_copy(shown, sizeof shown, url, strlen(url));
        err = dk_error_set(DK_ERR_INVALID,
                           "'%s' is not a valid address (check sync_url and hub_url)", shown);
    } else {
        (void)curl_url_get(u, CURLUPART_PORT, &port, 0);
        (void)curl_url_get(u, CURLUPART_PATH, &p, 0);
        snprintf(scheme, schemesz, "%s", s);
        if (port)
            snprintf(server, serversz, "%s:%s", host, port);
        else
            snprintf(server, serversz, "%s", host);
        clean_copy(path, pathsz, p ? p : "/", p ? strlen(p) : 1);
        /* "/objects/<64 hex>" reads better as "/objects/<12 hex>…" in a message */
        char *last = strrchr(path, '/');
        if (last && strlen(last + 1) == 64 && dk_sha256_hex_valid(last + 1) && pathsz > 80)
            snprintf(last + 13, pathsz - (size_t)(last + 13 - path), "%s", "\xe2\x80\xa6");
        *loopback = host_is_loopback(host);
    }
    curl_free(s);
    curl_free(host);
    curl_free(port);
    curl_free(p);
    curl_url_cleanup(u);
    return err;
}

int dk_http_is_loopback_url(const char *url)
{
    char scheme[16], server[280], path[8];
    int loop = 0;
    if (split_url(url, scheme, sizeof scheme, server, sizeof server, path, sizeof path, &loop))
        return 0;
    return loop;
}

/* ---- Callbacks ---- */

static int success_status(const transfer *t, long status)
{
    if (t->fd >= 0)
        return status == 200 || (status == 206 && t->offset > 0);
    return status == 200;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    transfer *t = arg;
    size_t len = size * nmemb;
    long status = 0;
    curl_easy_getinfo(t->h->curl, CURLINFO_RESPONSE_CODE, &status);
    if (!success_status(t, status)) {
        /* An error page: its start is kept for the message; the rest is not read, so that an
         * endless error page ends too. The status is the error then. */
        size_t room = ERROR_BODY_MAX - t->errbody.len;
        dk_err lost = dk_buf_add(&t->errbody, data, len < room ? len : room);
        (void)lost;
        if (len > room) {
            t->error_page_cut = 1;
            return 0;
        }
        return len;
    }
    if (t->fd < 0) {
        if (t->received + len > t->cap) {
            t->over_cap = 1;
            return 0;
        }
        dk_err err = dk_buf_add(t->body, data, len);
        if (err) {
            if (err == DK_ERR_LIMIT)
                t->over_cap = 1;
            else
                t->nomem = 1;
            return 0;
        }
    } else {
        if (status == 200 && t->offset > 0 && t->received == 0) {
            /* A range request answered with the whole file: start the file over. */
            if (ftruncate(t->fd, 0) != 0 || lseek(t->fd, 0, SEEK_SET) != 0) {
                t->write_errno = errno;
                return 0;
            }
            t->offset = 0;
        }
        if (t->offset + t->received + len > t->length) {
            t->over_cap = 1;
            return 0;
        }
        /* Tests arm this point to play a disk that fills up in the middle of a download: the
         * write fails as it would with ENOSPC. */
        if (dk_fault_point("http.file.write") != DK_OK) {
            t->write_errno = ENOSPC;
            return 0;
        }
        if (write_all(t->fd, data, len) != 0) {
            t->write_errno = errno;
            return 0;
        }
    }
    t->received += len;
    return len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    transfer *t = arg;
    size_t len = size * nmemb;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        t->etag[0] = '\0'; /* a new response (after a 100 Continue, say) */
        return len;
    }
    if (len > 5 && strncasecmp(data, "etag:", 5) == 0) {
        const char *v = data + 5;
        size_t n = len - 5;
        while (n && (*v == ' ' || *v == '\t')) {
            v++;
            n--;
        }
        while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
            n--;
        if (n < sizeof t->etag)
            clean_copy(t->etag, sizeof t->etag, v, n);
    }
    return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    transfer *t = arg;
    dk_http *h = t->h;
    if (h->cancel && atomic_load(h->cancel)) {
        t->cancelled = 1;
        return 1;
    }
    if (h->deadline > 0 && dk_http_monotonic() >= h->deadline) {
        t->deadline_hit = 1;
        return 1;
    }
    if (h->progress)
        h->progress(h->progress_arg, t->received);
    return 0;
}

/* ---- Setting up and finishing a transfer ---- */

static dk_err prepare(dk_http *h, transfer *t, const char *url)
{
    char scheme[16];
    int loopback = 0;
    dk_err err = split_url(url, scheme, sizeof scheme, t->server, sizeof t->server, t->what,
                           sizeof t->what, &loopback);
    if (err)
        return err;
    int http = strcasecmp(scheme, "http") == 0;
    if (http && !(h->allow_http && loopback))
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the address for %s uses plain http, which anyone on the way can "
                            "change; use https (http is allowed only for loopback tests with "
                            "sync_allow_http)",
                            t->server);
    if (!http && strcasecmp(scheme, "https") != 0)
        return dk_error_set(DK_ERR_PROTOCOL, "the address for %s is not https", t->server);
    if (h->cancel && atomic_load(h->cancel)) {
        t->cancelled = 1;
        return dk_error_set(DK_ERR_NETWORK, "the sync was stopped");
    }
    long timeout_ms = 0;
    if (h->deadline > 0) {
        double left = h->deadline - dk_http_monotonic();
        if (left <= 0) {
            t->deadline_hit = 1;
            return dk_error_set(DK_ERR_NETWORK,
                                "the sync cycle ran out of time (sync_cycle_deadline_s) before "
                                "fetching %s from %s",
                                t->what, t->server);
        }
        /* A backstop only: the progress callback notices the deadline first. */
        timeout_ms = (long)(left * 1000.0) + 2000;
    }
    CURL *c = h->curl;
    curl_easy_reset(c);
    h->errbuf[0] = '\0';
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
                            h->allow_http && loopback ? "http,https" : "https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    if (h->ca_file)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file) != CURLE_OK;
    if (h->pin)
        bad |= curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin) != CURLE_OK;
    if (h->connect_timeout_s > 0)
        bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_timeout_s) != CURLE_OK;
    if (h->low_speed_time_s > 0 && h->low_speed_bytes_s > 0) {
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, h->low_speed_bytes_s) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, h->low_speed_time_s) != CURLE_OK;
    }
    if (timeout_ms > 0)
        bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, h->user_agent) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    if (bad)
        return dk_error_set(DK_ERR_NETWORK, "libcurl refused a setting (is it built with TLS?)");
    return DK_OK;
}

static void transfer_init(transfer *t, dk_http *h)
{
    memset(t, 0, sizeof *t);
    t->h = h;
    t->fd = -1;
    dk_buf_init(&t->errbody, ERROR_BODY_MAX);
}

/* The "message" of a JSON error reply from the hub, cleaned for display, or "". */
static void error_message(const transfer *t, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!t->errbody.len)
        return;
    json_t *root = json_loadb(t->errbody.data, t->errbody.len, 0, NULL);
    const char *msg = json_string_value(json_object_get(root, "message"));
    if (msg)
        clean_copy(out, outsz, msg, strlen(msg));
    json_decref(root);
}

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

/* Turns the outcome of a transfer into DK_OK or one error with plain words. */
static dk_err finish(dk_http *h, transfer *t, CURLcode rc, uint64_t cap, dk_http_reply *reply)
{
    long status = 0;
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    reply->status = status;
    reply->received = t->received;
    snprintf(reply->etag, sizeof reply->etag, "%s", t->etag);
    const char *S = t->server, *W = t->what;
    if (t->cancelled)
        return dk_error_set(DK_ERR_NETWORK, "the sync was stopped while fetching %s", W);
    if (t->deadline_hit ||
        (rc == CURLE_OPERATION_TIMEDOUT && h->deadline > 0 && dk_http_monotonic() >= h->deadline))
        return dk_error_set(DK_ERR_NETWORK,
                            "the sync cycle ran out of time (sync_cycle_deadline_s) while fetching "
                            "%s from %s",
                            W, S);
    if (t->over_cap || rc == CURLE_FILESIZE_EXCEEDED)
        return dk_error_set(DK_ERR_LIMIT,
                            "the server %s sent more than the %llu bytes expected for %s; the "
                            "rest was refused",
                            S, (unsigned long long)cap, W);
    if (t->write_errno) {
        dk_err code =
            t->write_errno == ENOSPC || t->write_errno == EDQUOT ? DK_ERR_NOSPACE : DK_ERR_IO;
        return dk_error_set(code,
                            code == DK_ERR_NOSPACE ? "the disk is full: cannot save %s (%s)"
                                                   : "cannot save %s: %s",
                            W, strerror(t->write_errno));
    }
    if (t->nomem)
        return dk_error_set(DK_ERR_NOMEM, "out of memory while fetching %s", W);
    const char *eb = h->errbuf;
    if (t->error_page_cut && rc == CURLE_WRITE_ERROR)
        rc = CURLE_OK; /* we stopped reading an error page: the status says what went wrong */
    switch (rc) {
    case CURLE_OK:
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the address of %s uses a protocol the kiosk does not allow (only "
                            "https)",
                            S);
    case CURLE_URL_MALFORMAT:
        return dk_error_set(DK_ERR_INVALID, "the address for %s is not a valid URL", S);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return dk_error_set(DK_ERR_NETWORK,
                            "cannot find the server %s: its name does not resolve (check the "
                            "network and the address)",
                            S);
    case CURLE_COULDNT_CONNECT: {
        long os_errno = 0;
        curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
        return dk_error_set(DK_ERR_NETWORK,
                            "cannot connect to the server %s: it is not running or not reachable "
                            "(%s)",
                            S, os_errno ? strerror((int)os_errno) : "no answer");
    }
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0;
        curl_easy_getinfo(h->curl, CURLINFO_CONNECT_TIME_T, &connected);
        if (contains(eb, "too slow"))
            return dk_error_set(DK_ERR_NETWORK,
                                "the server %s sent less than %ld bytes/s for %ld s while "
                                "sending %s; gave up",
                                S, h->low_speed_bytes_s, h->low_speed_time_s, W);
        if (connected == 0)
            return dk_error_set(DK_ERR_NETWORK, "the server %s did not answer within %ld s", S,
                                h->connect_timeout_s);
        return dk_error_set(DK_ERR_NETWORK, "fetching %s from %s timed out", W, S);
    }
    case CURLE_PEER_FAILED_VERIFICATION:
        if (contains(eb, "subject name") || contains(eb, "host name") || contains(eb, "hostname"))
            return dk_error_set(DK_ERR_NETWORK,
                                "the certificate of %s is not valid for that host name (it was "
                                "made for another server)",
                                S);
        if (contains(eb, "expired"))
            return dk_error_set(DK_ERR_NETWORK,
                                "the certificate of %s has expired (or this kiosk's clock is "
                                "wrong)",
                                S);
        if (contains(eb, "issuer") || contains(eb, "self-signed") || contains(eb, "self signed") ||
            contains(eb, "unknown ca") || contains(eb, "verify"))
            return dk_error_set(DK_ERR_NETWORK,
                                "the certificate of %s is not signed by an authority this kiosk "
                                "trusts (check ca_file)",
                                S);
        return dk_error_set(DK_ERR_NETWORK, "the certificate of %s was rejected: %s", S, eb);
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return dk_error_set(DK_ERR_NETWORK,
                            "the server %s does not have the public key in pinned_public_key", S);
    case CURLE_SSL_CACERT_BADFILE:
        return dk_error_set(DK_ERR_INVALID, "cannot use the CA file %s (ca_file): %s",
                            h->ca_file ? h->ca_file : "", eb);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
        return dk_error_set(DK_ERR_NETWORK, "the secure connection to %s failed: %s", S,
                            *eb ? eb : curl_easy_strerror(rc));
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return dk_error_set(DK_ERR_NETWORK,
                            "the connection to %s broke off while fetching %s (after %llu "
                            "bytes)%s",
                            S, W, (unsigned long long)t->received,
                            contains(eb, "reset") ? ": reset by the other side" : "");
    case CURLE_PARTIAL_FILE:
        return dk_error_set(DK_ERR_NETWORK,
                            "the connection to %s ended before %s was complete (after %llu bytes)",
                            S, W, (unsigned long long)t->received);
    case CURLE_GOT_NOTHING:
        return dk_error_set(DK_ERR_NETWORK, "the server %s closed the connection without an answer",
                            S);
    case CURLE_RANGE_ERROR:
        return dk_error_set(DK_ERR_PROTOCOL, "the server %s does not continue downloads correctly",
                            S);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        return dk_error_set(DK_ERR_PROTOCOL, "the server %s answered something that is not HTTP",
                            S);
    case CURLE_OUT_OF_MEMORY:
        return dk_error_set(DK_ERR_NOMEM, "out of memory while fetching %s", W);
    default:
        return dk_error_set(DK_ERR_NETWORK, "fetching %s from %s failed: %s%s%s", W, S,
                            curl_easy_strerror(rc), *eb ? ": " : "", eb);
    }
    char msg[200];
    error_message(t, msg, sizeof msg);
    const char *sep = *msg ? ": " : "";
    if (status >= 300 && status < 400 && status != 304) {
        char *loc = NULL;
        char where[200] = "another address";
        if (curl_easy_getinfo(h->curl, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
            clean_copy(where, sizeof where, loc, strlen(loc));
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the server %s redirects %s to %s; the kiosk follows no redirects "
                            "(set the address to where the files really are)",
                            S, W, where);
    }
    if (status == 404 || status == 410)
        return dk_error_set(DK_ERR_NOTFOUND, "the server %s has no %s (%ld)%s%s", S, W, status, sep,
                            msg);
    if (status == 401 || status == 403)
        return dk_error_set(DK_ERR_PROTOCOL, "the server %s refused access to %s (%ld)%s%s", S, W,
                            status, sep, msg);
    if (status >= 500)
        return dk_error_set(DK_ERR_PROTOCOL,
                            "the server %s failed with a server error (%ld) for %s%s%s", S, status,
                            W, sep, msg);
    if (status == 0)
        return dk_error_set(DK_ERR_PROTOCOL, "the server %s sent no HTTP answer for %s", S, W);
    return DK_OK; /* the caller checks which statuses it accepts */
}

static dk_err unexpected_status(const transfer *t, long status)
{
    char msg[200];
    error_message(t, msg, sizeof msg); /* the hub's words for a 400, 409, 413, ... */
    return dk_error_set(DK_ERR_PROTOCOL, "the server %s answered %s with status %ld%s%s", t->server,
                        t->what, status, *msg ? ": " : "", msg);
}

/* ---- Requests ---- */

dk_err dk_http_get(dk_http *h, const char *url, const char *if_none_match, size_t cap, dk_buf *body,
                   dk_http_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    dk_buf_reset(body);
    transfer t;
    transfer_init(&t, h);
    t.body = body;
    t.cap = cap;
    struct curl_slist *headers = NULL;
    dk_err err = prepare(h, &t, url);
    if (!err && if_none_match && *if_none_match) {
        char line[DK_HTTP_ETAG_MAX + 32];
        snprintf(line, sizeof line, "If-None-Match: %s", if_none_match);
        headers = curl_slist_append(NULL, line);
        if (!headers || curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK)
            err = dk_error_set(DK_ERR_NOMEM, "http: out of memory");
    }
    if (!err && curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap) != CURLE_OK)
        err = dk_error_set(DK_ERR_NETWORK, "libcurl refused a size limit");
    if (!err) {
        CURLcode rc = curl_easy_perform(h->curl);
        err = finish(h, &t, rc, cap, reply);
        if (!err && reply->status != 200 &&
            !(reply->status == 304 && if_none_match && *if_none_match))
            err = unexpected_status(&t, reply->status);
        if (!err && reply->status == 304)
            dk_buf_reset(body);
    }
    curl_slist_free_all(headers);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    dk_buf_free(&t.errbody);
    if (err)
        dk_buf_reset(body);
    return err;
}

dk_err dk_http_get_file(dk_http *h, const char *url, const char *path, uint64_t length,
                        dk_http_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return dk_error_set(dk_error_from_errno(errno), "cannot write %s: %s", path,
                            strerror(errno));
    dk_err err = DK_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            err = dk_error_set(DK_ERR_IO, "%s is not a regular file", path);
            break;
        }
        uint64_t offset = (uint64_t)st.st_size;
        if (offset > length) { /* cannot be a prefix of the object: start over */
            if (ftruncate(fd, 0) != 0) {
                err = dk_error_set(dk_error_from_errno(errno), "cannot truncate %s: %s", path,
                                   strerror(errno));
                break;
            }
            offset = 0;
        }
        if (offset == length && length > 0) { /* complete already; the caller checks it */
            reply->status = 200;
            reply->resumed = 1;
            break;
        }
        if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
            err = dk_error_set(DK_ERR_IO, "cannot seek in %s: %s", path, strerror(errno));
            break;
        }
        transfer t;
        transfer_init(&t, h);
        t.fd = fd;
        t.offset = offset;
        t.length = length;
        err = prepare(h, &t, url);
        if (!err && (curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)length) ||
                     curl_easy_setopt(h->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)offset)))
            err = dk_error_set(DK_ERR_NETWORK, "libcurl refused a range");
        if (err) {
            dk_buf_free(&t.errbody);
            break;
        }
        CURLcode rc = curl_easy_perform(h->curl);
        uint64_t before = offset;
        if (rc == CURLE_RANGE_ERROR && offset > 0 && attempt == 0 && !t.cancelled) {
            /* The server does not do ranges (or answered another one): fetch it all. */
            dk_info("sync: %s does not continue %s; downloading it from the start", t.server,
                    t.what);
            dk_buf_free(&t.errbody);
            if (ftruncate(fd, 0) != 0) {
                err = dk_error_set(dk_error_from_errno(errno), "cannot truncate %s: %s", path,
                                   strerror(errno));
                break;
            }
            continue;
        }
        err = finish(h, &t, rc, length, reply);
        reply->resumed = before > 0 && t.offset > 0;
        if (!err && reply->status != 200 && reply->status != 206 && reply->status != 416)
            err = unexpected_status(&t, reply->status);
        dk_buf_free(&t.errbody);
        break;
    }
    if (close(fd) != 0 && !err)
        err =
            dk_error_set(dk_error_from_errno(errno), "cannot write %s: %s", path, strerror(errno));
    return err;
}

dk_err dk_http_post(dk_http *h, const char *url, const char *token, const char *content_type,
                    const char *const *headers_extra, const void *data, size_t len, size_t cap,
                    dk_buf *body, dk_http_reply *reply)
{
    memset(reply, 0, sizeof *reply);
    dk_buf_reset(body);
    transfer t;
    transfer_init(&t, h);
    t.body = body;
    t.cap = cap;
    struct curl_slist *headers = NULL, *next;
    dk_err err = prepare(h, &t, url);
    if (!err) {
        char line[AUTH_MAX];
        int bad = 0;
        int n = snprintf(line, sizeof line, "Content-Type: %s", content_type);
        bad |= n < 0 || (size_t)n >= sizeof line;
        next = bad ? NULL : curl_slist_append(headers, line);
        bad |= !next;
        headers = next ? next : headers;
        next = curl_slist_append(headers, "Expect:");
        bad |= !next;
        headers = next ? next : headers;
        for (size_t i = 0; headers_extra && headers_extra[i] && !bad; i++) {
            next = curl_slist_append(headers, headers_extra[i]);
            bad |= !next;
            headers = next ? next : headers;
        }
        if (token && *token && !bad) {
            n = snprintf(line, sizeof line, "Authorization: Bearer %s", token);
            bad |= n < 0 || (size_t)n >= sizeof line;
            if (!bad) {
                next = curl_slist_append(headers, line);
                bad |= !next;
                headers = next ? next : headers;
            }
        }
        dk_wipe(line, sizeof line);
        bad |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
        bad |= curl_easy_setopt(h->curl, CURLOPT_POST, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, data) != CURLE_OK;
        bad |= curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK;
        bad |= curl_easy_setopt(h->curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap) != CURLE_OK;
        if (bad)
            err = dk_error_set(DK_ERR_NOMEM, "http: cannot set up the request");
    }
    if (!err) {
        CURLcode rc = curl_easy_perform(h->curl);
        err = finish(h, &t, rc, cap, reply);
        if (!err && (reply->status < 200 || reply->status > 299))
            err = unexpected_status(&t, reply->status);
    }
    for (struct curl_slist *s = headers; s; s = s->next)
        dk_wipe(s->data, strlen(s->data));
    curl_slist_free_all(headers);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    dk_buf_free(&t.errbody);
    if (err)
        dk_buf_reset(body);
    return err;
}

dk_err dk_http_post_json(dk_http *h, const char *url, const char *token, const char *json,
                         size_t len, size_t cap, dk_buf *body, dk_http_reply *reply)
{
    return dk_http_post(h, url, token, "application/json", NULL, json, len, cap, body, reply);
}
