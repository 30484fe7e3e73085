/* hub_serve.c: the hub's HTTP(S) server on libmicrohttpd: release files under /, the kiosk API
 * under /api/v1/, JSON errors, limits, an access log, and the timestamp re-signer. */
#include "hub_serve.h"

#include "dk_buf.h"
#include "dk_fs.h"
#include "dk_log.h"
#include "hub_devices.h"
#include "hub_registrations.h"
#include "hub_release.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TLS_FILE_MAX (1024 * 1024)          /* [bytes] a PEM certificate chain or key */
#define HEADER_MEMORY (32 * 1024)           /* [bytes] per connection for the request head */
#define LOG_PATH_MAX 96                     /* [bytes] of a path in the access log */
#define DISCARD_FACTOR 4                    /* an oversized chunked body is read up to this many
                                               times max_request_bytes, then the line is cut */
#define TICK_MAX_S 60                       /* [s] longest sleep between re-sign checks */
#define EXPIRY_WARN_EVERY_S (6 * 3600)      /* [s] between warnings of an expiring release */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define IMMUTABLE "public, max-age=31536000, immutable"
#define OCTETS "application/octet-stream"

/* ---- request parsing ---- */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

hub_route hub_route_parse(const char *path)
{
    hub_route r;
    memset(&r, 0, sizeof r);
    r.kind = HUB_ROUTE_NONE;
    if (!path)
        return r;
    if (strcmp(path, "/timestamp.signed") == 0) {
        r.kind = HUB_ROUTE_TIMESTAMP;
    } else if (strcmp(path, "/api/v1/heartbeat") == 0) {
        r.kind = HUB_ROUTE_HEARTBEAT;
    } else if (strcmp(path, "/api/v1/registrations") == 0) {
        r.kind = HUB_ROUTE_REGISTRATIONS;
    } else if (strncmp(path, "/objects/", 9) == 0) {
        if (dk_sha256_hex_valid(path + 9)) {
            r.kind = HUB_ROUTE_OBJECT;
            memcpy(r.hash, path + 9, 65);
        }
    } else if (strncmp(path, "/manifests/", 11) == 0) {
        const char *name = path + 11;
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : 0;
        if (dot && strcmp(dot, ".signed") == 0 && n <= 18 && all_digits(name, n) && name[0] != '0') {
            r.kind = HUB_ROUTE_MANIFEST;
            r.version = strtoll(name, NULL, 10);
        }
    }
    return r;
}

/* Parses up to 19 decimal digits at *p; advances *p. Returns 0 on no digits or overflow. */
static int parse_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 19)
            return 0;
        v = v * 10 + (uint64_t)(s[n] - '0');
        n++;
    }
    if (n == 0)
        return 0;
    *p = s + n;
    *out = v;
    return 1;
}

hub_range_result hub_range_parse(const char *header, uint64_t size, uint64_t *start,
                                 uint64_t *length)
{
    *start = 0;
    *length = size;
    if (!header)
        return HUB_RANGE_NONE;
    const char *p = header;
    while (*p == ' ')
        p++;
    if (strncasecmp(p, "bytes", 5) != 0)
        return HUB_RANGE_NONE;
    p += 5;
    while (*p == ' ')
        p++;
    if (*p++ != '=')
        return HUB_RANGE_NONE;
    while (*p == ' ')
        p++;
    if (strchr(p, ','))
        return HUB_RANGE_NONE; /* several ranges: the whole body is a valid answer */
    uint64_t a = 0, b = 0;
    int suffix = *p == '-';
    if (suffix) {
        p++;
        if (!parse_u64(&p, &b))
            return HUB_RANGE_NONE;
    } else {
        if (!parse_u64(&p, &a) || *p++ != '-')
            return HUB_RANGE_NONE;
    }
    int open_end = 1;
    if (!suffix && *p >= '0' && *p <= '9') {
        if (!parse_u64(&p, &b))
            return HUB_RANGE_NONE;
        open_end = 0;
    }
    while (*p == ' ')
        p++;
    if (*p)
        return HUB_RANGE_NONE;
    if (suffix) { /* the last b bytes */
        if (b == 0 || size == 0)
            return HUB_RANGE_UNSATISFIABLE;
        *start = b >= size ? 0 : size - b;
        *length = size - *start;
        return HUB_RANGE_PARTIAL;
    }
    if (!open_end && b < a)
        return HUB_RANGE_NONE; /* invalid: ignored */
    if (a >= size)
        return HUB_RANGE_UNSATISFIABLE;
    uint64_t last = open_end || b >= size ? size - 1 : b;
    *start = a;
    *length = last - a + 1;
    return HUB_RANGE_PARTIAL;
}

int hub_etag_matches(const char *value, const char *etag)
{
    if (!value)
        return 0;
    size_t elen = strlen(etag);
    const char *p = value;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            return 0;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        const char *end = p;
        if (*end == '"') {
            end = strchr(p + 1, '"');
            if (!end)
                return 0;
            end++;
        } else {
            while (*end && *end != ',' && *end != ' ')
                end++;
        }
        if ((size_t)(end - p) == elen && memcmp(p, etag, elen) == 0)
            return 1;
        p = end;
    }
}

/* ---- the server ---- */

struct hub_server {
    hub_site *site;
    struct MHD_Daemon *daemon;
    pthread_mutex_t db_lock; /* hub.db is used by request threads and the re-signer */
    pthread_mutex_t ts_lock; /* the cached timestamp */
    char *ts_data;
    size_t ts_len;
    char ts_etag[DK_SHA256_HEX + 2];
    dev_t ts_dev;
    ino_t ts_ino;
    off_t ts_size;
    struct timespec ts_mtime;
    int ts_have;
    int objects_fd, manifests_fd;
    char *tls_cert, *tls_key;
    unsigned port;
    size_t max_body;
    int access_log;
    long long expiry_warned; /* when the last expiry warning was logged */
    hub_regkey *regkey;      /* opens registrations at receipt; swapped under regkey_lock */
    pthread_rwlock_t regkey_lock; /* readers open records, the writer reloads the key ring */
    char regkey_seen[128];        /* keys_signature() when the ring was loaded */
    long long purge_due;     /* next retention purge of registrations */
    long long overdue_warned; /* when records waiting too long were last warned about */
};

typedef struct request {
    struct timespec start;
    unsigned status;
    uint64_t bytes;      /* body bytes of the answer, for the access log */
    uint64_t received;   /* body bytes of the request */
    int head;
    int api;             /* a POST to the API whose body is being read */
    int too_large;       /* the body passed its limit */
    hub_route_kind route;
    size_t body_max;     /* [bytes] the limit of this request's body */
    long long device_id;
    char device[HUB_NAME_MAX + 1];
    dk_buf body;
    char method[8];
    char path[LOG_PATH_MAX];
    char note[160];      /* appended to the access log line: device, key, outcome; never data */
} request;

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Copies a request path for the log: printable ASCII only, cut at LOG_PATH_MAX. */
static void log_path(const char *in, char out[LOG_PATH_MAX])
{
    size_t i = 0;
    for (; in && in[i] && i + 4 < LOG_PATH_MAX; i++)
        out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '?';
    if (in && in[i])
        out[i++] = '~';
    out[i] = '\0';
}

static enum MHD_Result queue(struct MHD_Connection *c, request *r, unsigned status,
                             struct MHD_Response *resp, uint64_t body)
{
    if (!resp)
        return MHD_NO; /* out of memory: MHD closes the connection */
    r->status = status;
    r->bytes = r->head || status == MHD_HTTP_NOT_MODIFIED ? 0 : body;
    enum MHD_Result ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Every error is {"error": code, "message": plain words} (docs/protocol.md). */
static enum MHD_Result send_error(struct MHD_Connection *c, request *r, unsigned status,
                                  const char *code, const char *message)
{
    json_t *o = json_pack("{s:s,s:s}", "error", code, "message", message);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return MHD_NO;
    size_t len = strlen(text);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
                                strncmp(r->path, "/api/", 5) == 0 ? "POST" : "GET, HEAD");
    return queue(c, r, status, resp, len);
}

/* Reloads the cached timestamp if the file changed (publish in another process replaces it).
 * Called with ts_lock held. */
static void timestamp_reload(hub_server *srv)
{
    struct stat st;
    if (stat(srv->site->timestamp_path, &st) != 0) {
        free(srv->ts_data);
        srv->ts_data = NULL;
        srv->ts_have = 0;
        return;
    }
    if (srv->ts_have && st.st_ino == srv->ts_ino && st.st_dev == srv->ts_dev &&
        st.st_size == srv->ts_size && st.st_mtim.tv_sec == srv->ts_mtime.tv_sec &&
        st.st_mtim.tv_nsec == srv->ts_mtime.tv_nsec)
        return;
    char *data = NULL;
    size_t len = 0;
    if (dk_fs_read(srv->site->timestamp_path, DK_TIMESTAMP_MAX, &data, &len) != DK_OK) {
        dk_warn("cannot read the timestamp: %s", dk_error_detail());
        return; /* keep serving the previous one */
    }
    char hex[DK_SHA256_HEX];
    dk_sha256_hex(data, len, hex);
    free(srv->ts_data);
    srv->ts_data = data;
    srv->ts_len = len;
    snprintf(srv->ts_etag, sizeof srv->ts_etag, "\"%s\"", hex);
    srv->ts_dev = st.st_dev;
    srv->ts_ino = st.st_ino;
    srv->ts_size = st.st_size;
    srv->ts_mtime = st.st_mtim;
    srv->ts_have = 1;
}

static enum MHD_Result serve_timestamp(hub_server *srv, struct MHD_Connection *c, request *r)
{
    char etag[sizeof srv->ts_etag];
    char *copy = NULL;
    size_t len = 0;
    pthread_mutex_lock(&srv->ts_lock);
    timestamp_reload(srv);
    int have = srv->ts_have;
    if (have) {
        memcpy(etag, srv->ts_etag, sizeof etag);
        len = srv->ts_len;
        copy = malloc(len ? len : 1);
        if (copy)
            memcpy(copy, srv->ts_data, len);
    }
    pthread_mutex_unlock(&srv->ts_lock);
    if (!have)
        return send_error(c, r, MHD_HTTP_NOT_FOUND, "no_release",
                          "Nothing has been published on this hub yet.");
    if (!copy)
        return MHD_NO;
    struct MHD_Response *resp;
    unsigned status = MHD_HTTP_OK;
    const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (hub_etag_matches(inm, etag)) {
        free(copy);
        status = MHD_HTTP_NOT_MODIFIED;
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(copy);
        else
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, OCTETS);
    }
    if (resp) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    }
    return queue(c, r, status, resp, len);
}

/* Serves an immutable file (a manifest or an object) from dirfd, streaming from the file. */
static enum MHD_Result serve_file(struct MHD_Connection *c, request *r, int dirfd,
                                  const char *name, const char *etag)
{
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        errno = ENOENT;
    }
    if (fd < 0) {
        if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
            return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found",
                              "There is no such file on this hub.");
        dk_warn("cannot open %s: %s", r->path, strerror(errno));
        return send_error(c, r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
                          "The hub could not read this file; staff find the reason in its log.");
    }
    uint64_t size = (uint64_t)st.st_size;
    if (etag && hub_etag_matches(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                             MHD_HTTP_HEADER_IF_NONE_MATCH),
                                 etag)) {
        close(fd);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (resp) {
            MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, IMMUTABLE);
        }
        return queue(c, r, MHD_HTTP_NOT_MODIFIED, resp, 0);
    }
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
    const char *if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE);
    if (range && if_range && (!etag || strcmp(if_range, etag) != 0))
        range = NULL; /* the client's copy is of another version: send it all */
    uint64_t start = 0, length = size;
    hub_range_result rr = hub_range_parse(range, size, &start, &length);
    if (rr == HUB_RANGE_UNSATISFIABLE) {
        close(fd);
        /* Built here, not by send_error: the answer also needs Content-Range. */
        json_t *o = json_pack("{s:s,s:s}", "error", "range_not_satisfiable", "message",
                              "The requested range lies beyond the end of the file.");
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!text)
            return MHD_NO;
        size_t len = strlen(text);
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(text);
            return MHD_NO;
        }
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
        return queue(c, r, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp, len);
    }
    struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(length, fd, start);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    unsigned status = MHD_HTTP_OK;
    if (rr == HUB_RANGE_PARTIAL) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + length - 1), (unsigned long long)size);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, OCTETS);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, IMMUTABLE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    if (etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    return queue(c, r, status, resp, length);
}

/* Checks the head of an API request, in the order of docs/protocol.md: token (401), method
 * (405), a length (411), the type (415), the size (413). On success r->device_id and r->device
 * are set and MHD_YES returned with no response queued: the body follows. */
static enum MHD_Result api_begin(hub_server *srv, struct MHD_Connection *c, request *r,
                                 const char *method)
{
    int reg = r->route == HUB_ROUTE_REGISTRATIONS;
    const char *what = reg ? "registration" : "heartbeat";
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return send_error(c, r, MHD_HTTP_UNAUTHORIZED, "no_token",
                          "The request carries no device token. Put device_token in the "
                          "kiosk's settings (district-hub device add prints it).");
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    char hash[DK_SHA256_HEX];
    dk_err err = DK_ERR_NOTFOUND;
    if (hub_token_well_formed(token)) {
        hub_token_hash(token, hash);
        pthread_mutex_lock(&srv->db_lock);
        err = hub_db_device_by_token(srv->site->db, hash, &r->device_id, r->device);
        pthread_mutex_unlock(&srv->db_lock);
    }
    if (err == DK_ERR_NOTFOUND)
        return send_error(c, r, MHD_HTTP_UNAUTHORIZED, "bad_token",
                          "This device token is not known. Re-register the kiosk.");
    if (err) {
        dk_warn("%s: %s", what, dk_error_detail());
        return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                          "The hub is busy; the kiosk tries again later.");
    }
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return send_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          reg ? "Send registrations with POST." : "Send the heartbeat with POST.");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    if (!cl && (reg || !te)) /* a sealed record has a known length: no chunked upload */
        return send_error(c, r, MHD_HTTP_LENGTH_REQUIRED, "length_required",
                          "The request needs a Content-Length.");
    const char *want = reg ? OCTETS : "application/json";
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    size_t ctlen = ct ? strcspn(ct, "; ") : 0;
    if (!ct || ctlen != strlen(want) || strncasecmp(ct, want, ctlen) != 0)
        return send_error(c, r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                          reg ? "The body must be the sealed record "
                                "(Content-Type: application/octet-stream)."
                              : "The request body must be JSON (Content-Type: application/json).");
    r->body_max = reg ? HUB_SEALED_MAX : srv->max_body;
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || end == cl || n > r->body_max)
            return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              reg ? "A sealed registration has at most 8192 bytes."
                                  : "The request body is larger than this hub accepts.");
    }
    r->api = 1;
    dk_buf_init(&r->body, r->body_max);
    return MHD_YES;
}

static enum MHD_Result send_json_ok(struct MHD_Connection *c, request *r, unsigned status,
                                    const char *body)
{
    size_t len = strlen(body);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (resp) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    return queue(c, r, status, resp, (uint64_t)len);
}

static enum MHD_Result heartbeat_finish(hub_server *srv, struct MHD_Connection *c, request *r)
{
    hub_heartbeat hb;
    if (hub_heartbeat_parse(r->body.data ? r->body.data : "", r->body.len, &hb) != DK_OK)
        return send_error(c, r, MHD_HTTP_BAD_REQUEST, "malformed", dk_error_detail());
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&srv->db_lock);
    dk_err err = hub_db_heartbeat_put(srv->site->db, r->device_id, now, &hb);
    pthread_mutex_unlock(&srv->db_lock);
    if (err) {
        dk_warn("heartbeat: %s", dk_error_detail());
        return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                          "The hub could not store the heartbeat; the kiosk tries again later.");
    }
    char when[32], body[96];
    dk_time_format(now, when);
    snprintf(body, sizeof body, "{\"ok\":true,\"time\":\"%s\"}", when);
    return send_json_ok(c, r, MHD_HTTP_OK, body);
}

/* Identity and change time of keys/registration.key and keys/registration-retired/: a rotate
 * renames a new file over the one and adds an entry to the other. */
static void keys_signature(const hub_site *s, char *out, size_t outsz)
{
    struct stat a, b;
    int ha = stat(s->registration_key_path, &a) == 0, hb = stat(s->regkey_retired_dir, &b) == 0;
    snprintf(out, outsz, "%llu.%lld.%ld/%lld.%ld", ha ? (unsigned long long)a.st_ino : 0ULL,
             ha ? (long long)a.st_mtim.tv_sec : 0LL, ha ? a.st_mtim.tv_nsec : 0L,
             hb ? (long long)b.st_mtim.tv_sec : 0LL, hb ? b.st_mtim.tv_nsec : 0L);
}

/* Reads the key ring again if the key files changed since it was loaded (a registration-key
 * rotate by another process): a malformed record costs two stat() calls, not a reload. The new
 * ring replaces the old one only when it loads. */
static void reload_regkeys(hub_server *srv)
{
    char now_seen[sizeof srv->regkey_seen];
    keys_signature(srv->site, now_seen, sizeof now_seen);
    pthread_rwlock_rdlock(&srv->regkey_lock);
    int same = strcmp(now_seen, srv->regkey_seen) == 0;
    pthread_rwlock_unlock(&srv->regkey_lock);
    if (same)
        return;
    hub_regkey *fresh = NULL;
    if (hub_regkey_load_ring(srv->site->registration_key_path, srv->site->regkey_retired_dir,
                             &fresh) != DK_OK) {
        dk_warn("registration keys cannot be read again (the ones loaded stay in use): %s",
                dk_error_detail());
        return;
    }
    pthread_rwlock_wrlock(&srv->regkey_lock);
    int changed =
        hub_regkey_count(fresh) != hub_regkey_count(srv->regkey) ||
        memcmp(hub_regkey_public(fresh), hub_regkey_public(srv->regkey), HUB_X25519_BYTES) != 0;
    hub_regkey *old = srv->regkey;
    srv->regkey = fresh;
    memcpy(srv->regkey_seen, now_seen, sizeof now_seen);
    pthread_rwlock_unlock(&srv->regkey_lock);
    hub_regkey_free(old);
    if (changed) {
        char hex[2 * HUB_X25519_BYTES + 1];
        dk_hex_encode(hub_regkey_public(fresh), HUB_X25519_BYTES, hex);
        dk_info("registration keys read again: current %s, %zu retired", hex,
                hub_regkey_count(fresh) - 1);
    }
}

/* hub_registration_receive with the loaded key ring; a record that opens with none of its keys
 * is tried once more after the ring is read again from disk, so that a registration-key rotate
 * reaches a running serve before the first record sealed to the new key is refused. */
static dk_err receive_with_ring(hub_server *srv, request *r, const char *key,
                                hub_receive_outcome *outcome, long long *id)
{
    for (int attempt = 0;; attempt++) {
        pthread_rwlock_rdlock(&srv->regkey_lock);
        dk_err err =
            hub_registration_receive(srv->site->db, &srv->db_lock, srv->regkey, r->device, key,
                                     r->body.data, r->body.len, (long long)time(NULL), outcome, id);
        pthread_rwlock_unlock(&srv->regkey_lock);
        if (err != DK_ERR_CRYPTO || attempt == 1)
            return err;
        reload_regkeys(srv);
    }
}

/* POST /api/v1/registrations with its body read: stored once per device and key, answered
 * after the commit (docs/protocol.md). The log names the device, the key, the length and the
 * outcome; nothing from inside the record. */
static enum MHD_Result registration_finish(hub_server *srv, struct MHD_Connection *c, request *r)
{
    const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    const char *shown = hub_idem_key_valid(key) ? key : "(no valid key)";
    hub_receive_outcome outcome = HUB_RECEIVE_STORED;
    long long id = 0;
    dk_err err = receive_with_ring(srv, r, key ? key : "", &outcome, &id);
    if (err == DK_ERR_INVALID || err == DK_ERR_CRYPTO) {
        snprintf(r->note, sizeof r->note, "%s %s refused", r->device, shown);
        dk_warn("registration from %s, key %s, %zu bytes, refused as malformed: %s", r->device,
                shown, r->body.len, dk_error_detail());
        return send_error(c, r, MHD_HTTP_BAD_REQUEST, "malformed", dk_error_detail());
    }
    if (err) {
        snprintf(r->note, sizeof r->note, "%s %s not stored", r->device, shown);
        dk_warn("registration from %s, key %s: cannot store it: %s", r->device, shown,
                dk_error_detail());
        return send_error(c, r, MHD_HTTP_SERVICE_UNAVAILABLE, "busy",
                          "The hub could not store the registration; the kiosk tries again later.");
    }
    static const char *const said[] = {"stored", "replay", "conflict"};
    snprintf(r->note, sizeof r->note, "%s %s #%lld %s", r->device, key, id, said[outcome]);
    if (outcome == HUB_RECEIVE_CONFLICT) {
        dk_warn("registration from %s, key %s: the key came before with other bytes (#%lld "
                "kept), refused",
                r->device, key, id);
        return send_error(c, r, MHD_HTTP_CONFLICT, "idempotency_conflict",
                          "This Idempotency-Key came before with other bytes; the hub keeps the "
                          "first record.");
    }
    if (outcome == HUB_RECEIVE_REPLAY)
        return send_json_ok(c, r, MHD_HTTP_OK, "{\"ok\":true,\"replay\":true}");
    return send_json_ok(c, r, MHD_HTTP_CREATED, "{\"ok\":true,\"replay\":false}");
}

static enum MHD_Result api_finish(hub_server *srv, struct MHD_Connection *c, request *r)
{
    if (r->too_large)
        return send_error(c, r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                          "The request body is larger than this hub accepts.");
    if (r->route == HUB_ROUTE_REGISTRATIONS)
        return registration_finish(srv, c, r);
    return heartbeat_finish(srv, c, r);
}

/* Answers a GET or HEAD of a release file. */
static enum MHD_Result serve_release_file(hub_server *srv, struct MHD_Connection *c, request *r,
                                          const hub_route *route)
{
    if (route->kind == HUB_ROUTE_TIMESTAMP)
        return serve_timestamp(srv, c, r);
    if (route->kind == HUB_ROUTE_MANIFEST) {
        char name[40];
        snprintf(name, sizeof name, "%lld.signed", route->version);
        return serve_file(c, r, srv->manifests_fd, name, NULL);
    }
    char etag[68];
    snprintf(etag, sizeof etag, "\"%s\"", route->hash);
    return serve_file(c, r, srv->objects_fd, route->hash, etag);
}

/* libmicrohttpd calls this once when the head of a request has arrived, then once per piece of
 * body, then once more with no data. Answers are queued on that last call, so that the
 * connection stays open for the next request (keep-alive); only a request refused before its
 * body was read is answered at once (and its connection closed by libmicrohttpd). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    hub_server *srv = cls;
    request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        snprintf(r->method, sizeof r->method, "%s", method);
        log_path(url, r->path);
        r->head = strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
        hub_route route = hub_route_parse(url);
        r->route = route.kind;
        if (route.kind == HUB_ROUTE_HEARTBEAT || route.kind == HUB_ROUTE_REGISTRATIONS)
            return api_begin(srv, c, r, method);
        return MHD_YES;
    }
    if (*upload_data_size) { /* a piece of body */
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->received += n;
        if (r->api && !r->status && !r->too_large && dk_buf_add(&r->body, upload_data, n) != DK_OK) {
            r->too_large = 1;
            dk_buf_free(&r->body);
        }
        /* Anything not kept (an oversized body, bodies of other requests) is read on so that
         * the answer can still be sent, but only up to a bound; then the line is cut. */
        if ((!r->api || r->status || r->too_large) &&
            r->received > DISCARD_FACTOR * (uint64_t)(r->body_max ? r->body_max : srv->max_body))
            return MHD_NO;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES; /* answered already */
    if (r->api)
        return api_finish(srv, c, r);
    hub_route route = hub_route_parse(url);
    if (route.kind == HUB_ROUTE_NONE)
        return send_error(c, r, MHD_HTTP_NOT_FOUND, "not_found",
                          "There is no such file or API on this hub.");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && !r->head)
        return send_error(c, r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                          "Release files are read with GET or HEAD.");
    return serve_release_file(srv, c, r, &route);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    hub_server *srv = cls;
    request *r = *con_cls;
    if (!r)
        return;
    if (srv->access_log) {
        /* Method, path, status, bytes, time: never a header (the token), never a body, no IP. */
        static const char *const why[] = {"", " (error)", " (timeout)", " (server stopped)",
                                          " (out of memory)", " (client closed)"};
        const char *end = (unsigned)toe < sizeof why / sizeof why[0] ? why[toe] : " (aborted)";
        char status[8] = "-";
        if (r->status)
            snprintf(status, sizeof status, "%u", r->status);
        dk_info("%s %s %s %llu %.1f ms%s%s%s", r->method, r->path, status,
                (unsigned long long)r->bytes, ms_since(&r->start), end, r->note[0] ? " " : "",
                r->note);
    }
    dk_buf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[DK_LOG_LINE_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    dk_debug("microhttpd: %s", msg); /* mostly about clients (bad TLS, resets): debug only */
}

static dk_err read_pem(const char *path, const char *what, char **out)
{
    size_t len = 0;
    dk_err err = dk_fs_read(path, TLS_FILE_MAX, out, &len);
    if (err) {
        char was[DK_ERROR_DETAIL_MAX]; /* copied: dk_error_set writes the same buffer */
        snprintf(was, sizeof was, "%s", dk_error_detail());
        return dk_error_set(err, "cannot read the %s %s: %s", what, path, was);
    }
    if (!strstr(*out, "-----BEGIN ")) {
        free(*out);
        *out = NULL;
        return dk_error_set(DK_ERR_INVALID, "%s is not a PEM file (the %s)", path, what);
    }
    return DK_OK;
}

void hub_server_stop(hub_server *srv)
{
    if (!srv)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    if (srv->objects_fd >= 0)
        close(srv->objects_fd);
    if (srv->manifests_fd >= 0)
        close(srv->manifests_fd);
    pthread_mutex_destroy(&srv->db_lock);
    pthread_mutex_destroy(&srv->ts_lock);
    pthread_rwlock_destroy(&srv->regkey_lock);
    hub_regkey_free(srv->regkey);
    free(srv->ts_data);
    if (srv->tls_key) {
        dk_wipe(srv->tls_key, strlen(srv->tls_key));
        free(srv->tls_key);
    }
    free(srv->tls_cert);
    free(srv);
}

dk_err hub_server_start(hub_site *s, hub_server **out)
{
    *out = NULL;
    const hub_config *cfg = &s->cfg;
    int tls = cfg->tls_cert[0] || cfg->tls_key[0];
    if (tls && (!cfg->tls_cert[0] || !cfg->tls_key[0]))
        return dk_error_set(DK_ERR_INVALID, "set both tls_cert and tls_key, or neither");
    if (!tls && !hub_config_plain_http(cfg)) {
        if (cfg->allow_plain_http)
            return dk_error_set(DK_ERR_INVALID,
                                "allow_plain_http is honoured only on a loopback listen_address "
                                "(127.0.0.1 or ::1), not on %s; set tls_cert and tls_key",
                                cfg->listen_address);
        return dk_error_set(DK_ERR_INVALID,
                            "set tls_cert and tls_key to serve HTTPS (plain HTTP only for "
                            "development: allow_plain_http = true on a loopback address)");
    }
    union {
        struct sockaddr sa;
        struct sockaddr_in v4;
        struct sockaddr_in6 v6;
    } addr;
    memset(&addr, 0, sizeof addr);
    const char *host = strcmp(cfg->listen_address, "localhost") == 0 ? "127.0.0.1" : cfg->listen_address;
    int v6 = 0;
    if (inet_pton(AF_INET, host, &addr.v4.sin_addr) == 1) {
        addr.v4.sin_family = AF_INET;
        addr.v4.sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, host, &addr.v6.sin6_addr) == 1) {
        addr.v6.sin6_family = AF_INET6;
        addr.v6.sin6_port = htons((uint16_t)cfg->port);
        v6 = 1;
    } else {
        return dk_error_set(DK_ERR_INVALID,
                            "listen_address '%s' is not an IPv4 or IPv6 address", cfg->listen_address);
    }

    hub_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return dk_error_set(DK_ERR_NOMEM, "out of memory");
    srv->site = s;
    srv->objects_fd = srv->manifests_fd = -1;
    srv->max_body = (size_t)cfg->max_request_bytes;
    srv->access_log = cfg->access_log;
    pthread_mutex_init(&srv->db_lock, NULL);
    pthread_mutex_init(&srv->ts_lock, NULL);
    pthread_rwlock_init(&srv->regkey_lock, NULL);
    dk_err err = DK_OK;
    srv->objects_fd = open(s->objects_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    srv->manifests_fd = open(s->manifests_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (srv->objects_fd < 0 || srv->manifests_fd < 0)
        err = dk_error_set(dk_error_from_errno(errno), "cannot open %s: %s", s->site_dir,
                           strerror(errno));
    if (!err && tls) {
        struct stat st;
        if (stat(cfg->tls_key, &st) == 0 && (st.st_mode & 077))
            dk_warn("%s can be read by other users; chmod 600 it", cfg->tls_key);
        if (!(err = read_pem(cfg->tls_cert, "certificate", &srv->tls_cert)))
            err = read_pem(cfg->tls_key, "private key", &srv->tls_key);
    }
    if (!err)
        keys_signature(s, srv->regkey_seen, sizeof srv->regkey_seen);
    if (!err && (err = hub_regkey_load_ring(s->registration_key_path, s->regkey_retired_dir,
                                            &srv->regkey)) != DK_OK) {
        char was[DK_ERROR_DETAIL_MAX];
        snprintf(was, sizeof was, "%s", dk_error_detail());
        err = dk_error_set(err, "%s (serve opens registrations to check them; district-hub init "
                                "creates the key)", was);
    }
    if (err) {
        hub_server_stop(srv);
        return err;
    }

    struct MHD_OptionItem ops[16];
    int n = 0;
#define OPT(o, v, p) (ops[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (void *)(p)})
    OPT(MHD_OPTION_SOCK_ADDR, 0, &addr.sa);
    OPT(MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL);
    OPT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout_s, NULL);
    OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, HEADER_MEMORY, NULL);
    OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv);
    OPT(MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL);
    OPT(MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL); /* serve ignores SIGPIPE */
    if (cfg->worker_threads > 1)
        OPT(MHD_OPTION_THREAD_POOL_SIZE, cfg->worker_threads, NULL);
    if (tls) {
        OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert);
        OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key);
        OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, TLS_PRIORITIES);
    }
    OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (tls)
        flags |= MHD_USE_TLS;
    if (v6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
                                   MHD_OPTION_ARRAY, ops, MHD_OPTION_END);
    if (!srv->daemon) {
        int e = errno;
        hub_server_stop(srv);
        return dk_error_set(DK_ERR_NETWORK,
                            "cannot serve on %s port %ld (%s): is another server using it, or the "
                            "certificate and key unusable?",
                            cfg->listen_address, cfg->port, e ? strerror(e) : "unknown reason");
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (unsigned)cfg->port;
    *out = srv;
    return DK_OK;
}

unsigned hub_server_port(const hub_server *srv)
{
    return srv->port;
}

/* Says in the log, every few hours, when the newest release expires within a quarter of its
 * lifetime (or 30 days): kiosks treat an expired release as stale, and only publish renews it. */
static void warn_expiry(hub_server *srv, long long now)
{
    if (now < srv->expiry_warned + EXPIRY_WARN_EVERY_S)
        return;
    hub_release_row r;
    pthread_mutex_lock(&srv->db_lock);
    dk_err err = hub_db_release_latest(srv->site->db, &r);
    pthread_mutex_unlock(&srv->db_lock);
    long long expires = 0;
    if (err || dk_time_parse(r.expires, &expires) != DK_OK)
        return;
    long long margin = 86400LL * srv->site->cfg.manifest_lifetime_days / 4;
    if (margin > 30 * 86400LL)
        margin = 30 * 86400LL;
    if (expires - now > margin)
        return;
    srv->expiry_warned = now;
    dk_warn("release %lld expire%s %s: run district-hub publish (even without changes) to renew it",
            r.version, expires > now ? "s" : "d", r.expires);
}

/* Deletes the registrations whose retention has passed; logs only counts. */
static void purge_registrations(hub_server *srv, long long now)
{
    if (now < srv->purge_due)
        return;
    long retention = srv->site->cfg.registration_retention_days;
    long long deleted = 0;
    hub_registration_counts counts;
    pthread_mutex_lock(&srv->db_lock);
    dk_err err = hub_registrations_purge(srv->site->db, retention, now, &deleted, &counts);
    pthread_mutex_unlock(&srv->db_lock);
    if (err) {
        dk_warn("registrations: the retention purge failed (tried again in %d s): %s",
                HUB_PURGE_RETRY_S, dk_error_detail());
        srv->purge_due = now + HUB_PURGE_RETRY_S;
        return;
    }
    srv->purge_due = now + HUB_PURGE_EVERY_S;
    if (deleted > 0)
        dk_info("registrations: deleted %lld handed over %ld days ago or earlier "
                "(registration_retention_days)",
                deleted, retention);
    if (counts.overdue > 0 && now >= srv->overdue_warned + HUB_OVERDUE_WARN_EVERY_S) {
        srv->overdue_warned = now;
        dk_warn("registrations: %lld arrived %ld days ago or earlier and are not handed over yet "
                "(district-hub registrations list)",
                counts.overdue, retention);
    }
}

/* Logs which keys sign: at start, and when the key files changed (key rotate, key finish). */
static void log_signers(const hub_site *s, const char *why)
{
    char current[DK_SIGN_PUBLIC_HEX], next[DK_SIGN_PUBLIC_HEX];
    dk_sign_public_hex(s->key.pub, current);
    if (s->has_next) {
        dk_sign_public_hex(s->next.pub, next);
        dk_info("%s: %s and successor %s sign (key rotation)", why, current, next);
    } else {
        dk_info("%s: %s signs", why, current);
    }
}

dk_err hub_server_tick(hub_server *srv, long long now, long long *next_due)
{
    hub_site *s = srv->site;
    purge_registrations(srv, now);
    *next_due = now + TICK_MAX_S;
    /* A publish in another process holds the lock for a while; try again soon. */
    if (hub_site_lock(s, 0) != DK_OK) {
        *next_due = now + 5;
        return DK_OK;
    }
    hub_timestamp_state st;
    pthread_mutex_lock(&srv->db_lock);
    dk_err err = hub_timestamp_refresh(s, now, 0, &st); /* releases the lock */
    pthread_mutex_unlock(&srv->db_lock);
    hub_site_unlock(s); /* in case it returned before taking it over */
    if (err == DK_ERR_NOTFOUND)
        return DK_OK; /* nothing published yet */
    if (err)
        return err;
    if (st.keys_changed)
        log_signers(s, "signing keys changed on disk");
    if (st.resigned) {
        dk_info("signed timestamp %lld for release %lld, valid until %s", st.ts.version,
                st.ts.manifest_version, st.ts.expires);
        pthread_mutex_lock(&srv->ts_lock);
        timestamp_reload(srv);
        pthread_mutex_unlock(&srv->ts_lock);
    }
    *next_due = st.next_due;
    warn_expiry(srv, now);
    return DK_OK;
}

dk_err hub_serve_run(const hub_config *cfg)
{
    /* A client that goes away mid-response must not kill the hub. */
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, NULL);
    /* SIGTERM and SIGINT are taken with sigtimedwait() below; blocked before any thread starts,
     * so that no request thread receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP); /* a closed terminal does not stop the hub */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    hub_site *s = NULL;
    hub_server *srv = NULL;
    dk_err err = hub_site_open(cfg, 1, &s);
    if (!err)
        err = hub_db_quick_check(s->db);
    if (!err)
        err = hub_server_start(s, &srv);
    if (err) {
        hub_site_close(s);
        return err;
    }
    char url[HUB_CONFIG_STR_MAX + 64];
    int v6 = strchr(cfg->listen_address, ':') != NULL;
    snprintf(url, sizeof url, "%s://%s%s%s:%u", cfg->tls_cert[0] ? "https" : "http", v6 ? "[" : "",
             cfg->listen_address, v6 ? "]" : "", hub_server_port(srv));
    dk_info("serving on %s (data %s, %ld threads, at most %ld connections)", url, s->dir,
            cfg->worker_threads, cfg->max_connections);
    log_signers(s, "signing keys");

    int failures = 0;
    for (;;) {
        long long now = (long long)time(NULL), next = now + TICK_MAX_S;
        if (hub_server_tick(srv, now, &next) != DK_OK) {
            if (failures++ % 10 == 0) /* once every ten minutes while it lasts */
                dk_error("cannot re-sign the timestamp: %s", dk_error_detail());
            next = now + TICK_MAX_S;
        } else {
            failures = 0;
        }
        long long wait = next - now;
        if (wait < 1)
            wait = 1;
        if (wait > TICK_MAX_S)
            wait = TICK_MAX_S;
        struct timespec ts = {(time_t)wait, 0};
        int sig = sigtimedwait(&stop, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            dk_info("stopping (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (sig == SIGHUP) /* the loop's next tick re-reads the key files at once */
            dk_info("SIGHUP: checking the signing keys now (restart serve for new settings or "
                    "certificates)");
    }
    hub_server_stop(srv);
    hub_site_close(s);
    dk_info("stopped");
    return DK_OK;
}
