/* dk_testserver.c: a small HTTP/1.1 server for the sync tests. It serves a folder laid out like
 * `district-hub export-static` output (timestamp.signed, manifests/, objects/) on 127.0.0.1,
 * answers heartbeats, and misbehaves on request: resets, short and endless bodies, slow drips,
 * damaged bytes, error statuses and redirects, each chosen by a command-line flag.
 *
 *   dk-testserver --root DIR [--port N] [--port-file FILE] [--log FILE] [--token T]
 *                 [--heartbeats FILE] [--registrations FILE] [--no-range] [--rate BYTES_PER_S]
 *                 [--fault SPEC]...
 *
 * POST /api/v1/registrations works like the hub's as far as a kiosk can tell (docs/protocol.md):
 * token (401), Content-Type application/octet-stream (415), Idempotency-Key and 49 to 8192 bytes
 * (400/413), then per key: new -> 201, the same bytes again -> 200 replay, other bytes -> 409. It
 * opens nothing. With --registrations FILE every request appends a line
 * "KEY LENGTH SHA256 stored|replay|conflict" to FILE.
 *
 * SPEC is MODE[@PATH_PREFIX][#COUNT]: the fault applies to requests whose path starts with
 * PATH_PREFIX (default: every request), COUNT times (default: always). Modes:
 *   status:NNN  answer NNN with a JSON error      reset     half the body, then a TCP reset
 *   close       half the body, then a clean close  truncate  the first half, framed as whole
 *   corrupt     one byte in the middle flipped     swap      another file's bytes, same length
 *   extra:N     N more bytes than the file has     nolength  no Content-Length, close-delimited
 *   endless     a body that never ends             drip      one byte every 500 ms
 *   badsig      the first signature's last hex digit changed
 *   redirect    302 to the same path over plain http
 *   lost        (registrations) store the record, then close the connection without an answer,
 *               as if the reply was lost on the way
 * The port is printed as "port N" on standard output (and written to --port-file). */
#include "dk_crypto.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_FAULTS 16
#define HEADER_MAX 16384
#define BODY_MAX   (16 * 1024 * 1024)
#define REG_MAX    8192   /* [bytes] a registration body, as the hub's limit */
#define REG_KEYS   200000 /* registrations remembered */

typedef enum {
    F_STATUS,
    F_RESET,
    F_CLOSE,
    F_TRUNCATE,
    F_CORRUPT,
    F_SWAP,
    F_EXTRA,
    F_NOLENGTH,
    F_ENDLESS,
    F_DRIP,
    F_BADSIG,
    F_REDIRECT,
    F_LOST
} fault_mode;

typedef struct fault {
    fault_mode mode;
    long arg;
    char prefix[256];
    long count; /* -1: always */
} fault;

static const char *root_dir;
static const char *log_path, *heartbeat_path, *registrations_path, *token;
static int no_range;
static long rate;
static int port;
static fault faults[MAX_FAULTS];
static int nfaults;

static void die(const char *msg)
{
    fprintf(stderr, "dk-testserver: %s\n", msg);
    exit(2);
}

static void parse_fault(const char *spec)
{
    if (nfaults == MAX_FAULTS)
        die("too many faults");
    fault *f = &faults[nfaults++];
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    f->count = -1;
    snprintf(f->prefix, sizeof f->prefix, "/");
    char *hash = strchr(buf, '#');
    if (hash) {
        *hash = '\0';
        f->count = strtol(hash + 1, NULL, 10);
    }
    char *at = strchr(buf, '@');
    if (at) {
        *at = '\0';
        snprintf(f->prefix, sizeof f->prefix, "%s", at + 1);
    }
    char *colon = strchr(buf, ':');
    if (colon) {
        *colon = '\0';
        f->arg = strtol(colon + 1, NULL, 10);
    }
    static const struct {
        const char *name;
        fault_mode mode;
    } names[] = {{"status", F_STATUS},     {"reset", F_RESET},       {"close", F_CLOSE},
                 {"truncate", F_TRUNCATE}, {"corrupt", F_CORRUPT},   {"swap", F_SWAP},
                 {"extra", F_EXTRA},       {"nolength", F_NOLENGTH}, {"endless", F_ENDLESS},
                 {"drip", F_DRIP},         {"badsig", F_BADSIG},     {"redirect", F_REDIRECT},
                 {"lost", F_LOST}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(buf, names[i].name) == 0) {
            f->mode = names[i].mode;
            return;
        }
    }
    die("unknown fault mode");
}

static fault *find_fault(const char *path)
{
    for (int i = 0; i < nfaults; i++) {
        fault *f = &faults[i];
        if (f->count != 0 && strncmp(path, f->prefix, strlen(f->prefix)) == 0) {
            if (f->count > 0)
                f->count--;
            return f;
        }
    }
    return NULL;
}

static void log_line(const char *method, const char *path, long range, int status, const char *note)
{
    if (!log_path)
        return;
    FILE *f = fopen(log_path, "a");
    if (!f)
        return;
    fprintf(f, "%s %s range=%ld status=%d%s%s\n", method, path, range, status, note ? " " : "",
            note ? note : "");
    fclose(f);
}

static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Sends body, at --rate bytes per second when set. */
static int send_body(int fd, const char *data, size_t len)
{
    if (rate <= 0)
        return send_all(fd, data, len);
    const size_t chunk = 65536;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (send_all(fd, data + off, n) != 0)
            return -1;
        sleep_ms((long)((double)n * 1000.0 / (double)rate));
    }
    return 0;
}

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > BODY_MAX) {
        fclose(f);
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return -1;
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    if (n != (size_t)st.st_size) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Another regular file in the same folder (the first by name), for F_SWAP. */
static int other_file(const char *path, char **out, size_t *len)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return -1;
    const char *self = slash + 1;
    *slash = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char best[512] = "";
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
            continue;
        if (!best[0] || strcmp(e->d_name, best) < 0)
            snprintf(best, sizeof best, "%s", e->d_name);
    }
    closedir(d);
    if (!best[0])
        return -1;
    char other[4096 + 512];
    snprintf(other, sizeof other, "%s/%s", dir, best);
    return read_file(other, out, len);
}

static void send_simple(int fd, int status, const char *reason, const char *extra_headers,
                        const char *body)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     status, reason, strlen(body), extra_headers ? extra_headers : "");
    if (send_all(fd, head, (size_t)n) == 0)
        send_all(fd, body, strlen(body));
}

static const char *header_value(const char *headers, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = headers; p && *p;) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ')
                p++;
            return p;
        }
        p = strstr(p, "\r\n");
        if (p)
            p += 2;
    }
    return NULL;
}

static void copy_value(char *out, size_t outsz, const char *v)
{
    size_t n = v ? strcspn(v, "\r\n") : 0;
    if (n >= outsz)
        n = outsz - 1;
    if (v)
        memcpy(out, v, n);
    out[n] = '\0';
}

static void handle_heartbeat(int fd, const char *headers, const char *body_start, size_t have)
{
    char auth[1024], cl[32];
    copy_value(auth, sizeof auth, header_value(headers, "Authorization"));
    copy_value(cl, sizeof cl, header_value(headers, "Content-Length"));
    long want = strtol(cl, NULL, 10);
    if (want < 0 || want > 16384) {
        send_simple(fd, 413, "Too Large", NULL,
                    "{\"error\":\"too_large\",\"message\":\"too large\"}");
        log_line("POST", "/api/v1/heartbeat", -1, 413, NULL);
        return;
    }
    char body[16385];
    size_t got = have < (size_t)want ? have : (size_t)want;
    memcpy(body, body_start, got);
    while (got < (size_t)want) {
        ssize_t n = recv(fd, body + got, (size_t)want - got, 0);
        if (n <= 0)
            return;
        got += (size_t)n;
    }
    body[got] = '\0';
    char expect[1024];
    snprintf(expect, sizeof expect, "Bearer %s", token ? token : "");
    if (token && strcmp(auth, expect) != 0) {
        send_simple(fd, 401, "Unauthorized", NULL,
                    "{\"error\":\"bad_token\",\"message\":\"This device token is not known. "
                    "Re-register the kiosk.\"}");
        log_line("POST", "/api/v1/heartbeat", -1, 401, NULL);
        return;
    }
    if (heartbeat_path) {
        FILE *f = fopen(heartbeat_path, "a");
        if (f) {
            fprintf(f, "%s\n", body);
            fclose(f);
        }
    }
    send_simple(fd, 200, "OK", NULL, "{\"ok\":true,\"time\":\"2026-11-26T10:05:01Z\"}");
    log_line("POST", "/api/v1/heartbeat", -1, 200, NULL);
}

/* The registrations received: key and SHA-256 of the body (what the hub's unique constraint and
 * replay check need). */
typedef struct reg {
    char key[33];
    char sha[DK_SHA256_HEX];
} reg;
static reg *regs;
static size_t nregs;

static void reg_log(const char *key, size_t len, const char *sha, const char *outcome)
{
    if (!registrations_path)
        return;
    FILE *f = fopen(registrations_path, "a");
    if (!f)
        return;
    fprintf(f, "%s %zu %s %s\n", key, len, sha, outcome);
    fclose(f);
}

static int idem_key_ok(const char *k)
{
    if (strlen(k) != 32)
        return 0;
    for (const char *p = k; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static void handle_registration(int fd, const char *headers, const char *body_start, size_t have,
                                const fault *f)
{
    const char *path = "/api/v1/registrations";
    char auth[1024], cl[32], ct[128], key[128];
    copy_value(auth, sizeof auth, header_value(headers, "Authorization"));
    copy_value(cl, sizeof cl, header_value(headers, "Content-Length"));
    copy_value(ct, sizeof ct, header_value(headers, "Content-Type"));
    copy_value(key, sizeof key, header_value(headers, "Idempotency-Key"));
    char expect[1024];
    snprintf(expect, sizeof expect, "Bearer %s", token ? token : "");
    if (token && strcmp(auth, expect) != 0) {
        send_simple(fd, 401, "Unauthorized", NULL,
                    "{\"error\":\"bad_token\",\"message\":\"This device token is not known. "
                    "Re-register the kiosk.\"}");
        log_line("POST", path, -1, 401, NULL);
        return;
    }
    if (!cl[0]) {
        send_simple(fd, 411, "Length Required", NULL,
                    "{\"error\":\"length_required\",\"message\":\"Content-Length\"}");
        log_line("POST", path, -1, 411, NULL);
        return;
    }
    if (strncmp(ct, "application/octet-stream", 24) != 0) {
        send_simple(fd, 415, "Unsupported Media Type", NULL,
                    "{\"error\":\"unsupported_media_type\",\"message\":\"octet-stream\"}");
        log_line("POST", path, -1, 415, NULL);
        return;
    }
    long want = strtol(cl, NULL, 10);
    if (want < 0 || want > REG_MAX) {
        send_simple(fd, 413, "Too Large", NULL,
                    "{\"error\":\"too_large\",\"message\":\"more than 8192 bytes\"}");
        log_line("POST", path, -1, 413, NULL);
        return;
    }
    char body[REG_MAX];
    size_t got = have < (size_t)want ? have : (size_t)want;
    memcpy(body, body_start, got);
    while (got < (size_t)want) {
        ssize_t n = recv(fd, body + got, (size_t)want - got, 0);
        if (n <= 0)
            return;
        got += (size_t)n;
    }
    if (!idem_key_ok(key) || got < 49) {
        send_simple(fd, 400, "Bad Request", NULL,
                    "{\"error\":\"malformed\",\"message\":\"no Idempotency-Key, or too "
                    "short\"}");
        log_line("POST", path, -1, 400, NULL);
        return;
    }
    char sha[DK_SHA256_HEX];
    dk_sha256_hex(body, got, sha);
    for (size_t i = 0; i < nregs; i++) {
        if (strcmp(regs[i].key, key) != 0)
            continue;
        if (strcmp(regs[i].sha, sha) == 0) {
            reg_log(key, got, sha, "replay");
            send_simple(fd, 200, "OK", NULL, "{\"ok\":true,\"replay\":true}");
            log_line("POST", path, -1, 200, "replay");
        } else {
            reg_log(key, got, sha, "conflict");
            send_simple(fd, 409, "Conflict", NULL,
                        "{\"error\":\"idempotency_conflict\",\"message\":\"This key came "
                        "before with other bytes.\"}");
            log_line("POST", path, -1, 409, NULL);
        }
        return;
    }
    if (nregs < REG_KEYS) {
        snprintf(regs[nregs].key, sizeof regs[nregs].key, "%s", key);
        snprintf(regs[nregs].sha, sizeof regs[nregs].sha, "%s", sha);
        nregs++;
    }
    reg_log(key, got, sha, "stored");
    if (f && f->mode == F_LOST) { /* stored, but the answer never arrives */
        log_line("POST", path, -1, 0, "lost");
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        return;
    }
    send_simple(fd, 201, "Created", NULL, "{\"ok\":true,\"replay\":false}");
    log_line("POST", path, -1, 201, NULL);
}

static void handle(int fd)
{
    char req[HEADER_MAX + 1];
    size_t len = 0;
    char *end = NULL;
    while (!end) {
        if (len == HEADER_MAX)
            return;
        ssize_t n = recv(fd, req + len, HEADER_MAX - len, 0);
        if (n <= 0)
            return;
        len += (size_t)n;
        req[len] = '\0';
        end = strstr(req, "\r\n\r\n");
    }
    *end = '\0';
    const char *body_start = end + 4;
    size_t body_have = len - (size_t)(body_start - req);
    char method[16], path[1024];
    if (sscanf(req, "%15s %1023s", method, path) != 2)
        return;
    char *q = strchr(path, '?');
    if (q)
        *q = '\0';
    const char *headers = strstr(req, "\r\n");
    headers = headers ? headers + 2 : "";

    fault *f = find_fault(path);
    if (f && f->mode == F_STATUS) {
        char body[128];
        snprintf(body, sizeof body, "{\"error\":\"test\",\"message\":\"injected status %ld\"}",
                 f->arg);
        send_simple(fd, (int)f->arg, "Injected", NULL, body);
        log_line(method, path, -1, (int)f->arg, "fault");
        return;
    }
    if (f && f->mode == F_REDIRECT) {
        char loc[1200];
        snprintf(loc, sizeof loc, "Location: http://127.0.0.1:%d%s\r\n", port, path);
        send_simple(fd, 302, "Found", loc, "{}");
        log_line(method, path, -1, 302, "fault");
        return;
    }
    if (strcmp(method, "POST") == 0 && strcmp(path, "/api/v1/heartbeat") == 0) {
        handle_heartbeat(fd, headers, body_start, body_have);
        return;
    }
    if (strcmp(method, "POST") == 0 && strcmp(path, "/api/v1/registrations") == 0) {
        handle_registration(fd, headers, body_start, body_have, f);
        return;
    }
    if (strcmp(method, "GET") != 0) {
        send_simple(fd, 405, "Method Not Allowed", NULL,
                    "{\"error\":\"method\",\"message\":\"GET only\"}");
        log_line(method, path, -1, 405, NULL);
        return;
    }
    char file[4096];
    snprintf(file, sizeof file, "%s%s", root_dir, path);
    char *data = NULL;
    size_t size = 0;
    if (strstr(path, "..") || read_file(file, &data, &size) != 0) {
        send_simple(fd, 404, "Not Found", NULL,
                    "{\"error\":\"not_found\",\"message\":\"no such file\"}");
        log_line(method, path, -1, 404, NULL);
        return;
    }
    char etag[DK_SHA256_HEX];
    dk_sha256_hex(data, size, etag);
    etag[16] = '\0';
    char inm[256];
    copy_value(inm, sizeof inm, header_value(headers, "If-None-Match"));
    char quoted[32];
    snprintf(quoted, sizeof quoted, "\"%s\"", etag);
    const char *cache =
        strcmp(path, "/timestamp.signed") == 0 ? "no-cache" : "public, max-age=31536000, immutable";
    if (strcmp(inm, quoted) == 0 && !f) {
        char head[512];
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 304 Not Modified\r\nETag: %s\r\nCache-Control: %s\r\n"
                         "Connection: close\r\n\r\n",
                         quoted, cache);
        send_all(fd, head, (size_t)n);
        log_line(method, path, -1, 304, NULL);
        free(data);
        return;
    }
    /* Faults that change the bytes. */
    if (f && f->mode == F_CORRUPT && size > 0)
        data[size / 2] ^= 0x01;
    if (f && f->mode == F_BADSIG) {
        char *line = strstr(data, "\ned25519 ");
        char *nl = line ? strchr(line + 1, '\n') : NULL;
        if (nl)
            nl[-1] = nl[-1] == '0' ? '1' : '0';
    }
    if (f && f->mode == F_SWAP) {
        char *other = NULL;
        size_t olen = 0;
        if (other_file(file, &other, &olen) == 0) { /* cut or padded to the same length */
            char *same = realloc(other, size ? size : 1);
            if (same) {
                if (olen < size)
                    memset(same + olen, 0, size - olen);
                free(data);
                data = same;
            } else {
                free(other);
            }
        }
    }
    if (f && f->mode == F_TRUNCATE)
        size /= 2;
    if (f && f->mode == F_EXTRA && f->arg > 0) {
        char *more = realloc(data, size + (size_t)f->arg);
        if (more) {
            memset(more + size, 'x', (size_t)f->arg);
            data = more;
            size += (size_t)f->arg;
        }
    }
    /* Ranges. */
    long from = -1;
    char range[128];
    copy_value(range, sizeof range, header_value(headers, "Range"));
    if (!no_range && strncmp(range, "bytes=", 6) == 0)
        from = strtol(range + 6, NULL, 10);
    int status = 200;
    size_t off = 0;
    char extra[256] = "";
    if (from >= 0) {
        if ((size_t)from >= size) {
            snprintf(extra, sizeof extra, "Content-Range: bytes */%zu\r\n", size);
            send_simple(fd, 416, "Range Not Satisfiable", extra, "");
            log_line(method, path, from, 416, NULL);
            free(data);
            return;
        }
        status = 206;
        off = (size_t)from;
        snprintf(extra, sizeof extra, "Content-Range: bytes %zu-%zu/%zu\r\n", off, size - 1, size);
    }
    size_t body_len = size - off;
    int framed = !(f && (f->mode == F_NOLENGTH || f->mode == F_ENDLESS));
    char lenline[64] = "";
    if (framed)
        snprintf(lenline, sizeof lenline, "Content-Length: %zu\r\n", body_len);
    char head[1024];
    int n =
        snprintf(head, sizeof head,
                 "HTTP/1.1 %d %s\r\n%s%sETag: %s\r\nCache-Control: %s\r\n"
                 "Accept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                 status, status == 206 ? "Partial Content" : "OK", extra, lenline, quoted, cache);
    log_line(method, path, from, status, f ? "fault" : NULL);
    if (send_all(fd, head, (size_t)n) != 0) {
        free(data);
        return;
    }
    const char *body = data + off;
    if (f && (f->mode == F_RESET || f->mode == F_CLOSE)) {
        send_all(fd, body, body_len / 2);
        sleep_ms(100);
        if (f->mode == F_RESET) {
            struct linger lg = {1, 0};
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
    } else if (f && f->mode == F_ENDLESS) {
        char chunk[16384];
        memset(chunk, 'z', sizeof chunk);
        time_t until = time(NULL) + 120;
        while (time(NULL) < until && send_all(fd, chunk, sizeof chunk) == 0) {
        }
    } else if (f && f->mode == F_DRIP) {
        time_t until = time(NULL) + 120;
        for (size_t i = 0; i < body_len && time(NULL) < until; i++) {
            if (send_all(fd, body + i, 1) != 0)
                break;
            sleep_ms(500);
        }
    } else {
        send_body(fd, body, body_len);
    }
    free(data);
}

int main(int argc, char **argv)
{
    const char *port_file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--root") == 0 && v)
            root_dir = argv[++i];
        else if (strcmp(a, "--port") == 0 && v)
            port = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--port-file") == 0 && v)
            port_file = argv[++i];
        else if (strcmp(a, "--log") == 0 && v)
            log_path = argv[++i];
        else if (strcmp(a, "--token") == 0 && v)
            token = argv[++i];
        else if (strcmp(a, "--heartbeats") == 0 && v)
            heartbeat_path = argv[++i];
        else if (strcmp(a, "--registrations") == 0 && v)
            registrations_path = argv[++i];
        else if (strcmp(a, "--rate") == 0 && v)
            rate = strtol(argv[++i], NULL, 10);
        else if (strcmp(a, "--no-range") == 0)
            no_range = 1;
        else if (strcmp(a, "--fault") == 0 && v)
            parse_fault(argv[++i]);
        else
            die("usage: dk-testserver --root DIR [--port N] [--port-file F] [--log F] [--token T] "
                "[--heartbeats F] [--registrations F] [--no-range] [--rate B] "
                "[--fault MODE[@PREFIX][#COUNT]]...");
    }
    if (!root_dir)
        die("--root is required");
    regs = calloc(REG_KEYS, sizeof *regs);
    if (!regs)
        die("out of memory");
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(ls, 64) != 0)
        die("cannot listen on 127.0.0.1");
    socklen_t slen = sizeof sa;
    getsockname(ls, (struct sockaddr *)&sa, &slen);
    port = ntohs(sa.sin_port);
    if (port_file) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
        FILE *pf = fopen(tmp, "w");
        if (!pf)
            die("cannot write the port file");
        fprintf(pf, "%d\n", port);
        fclose(pf);
        rename(tmp, port_file);
    }
    printf("port %d\n", port);
    fflush(stdout);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die("accept failed");
        }
        struct timeval tv = {10, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        handle(fd);
        close(fd);
    }
}
