/* bench_registrations.c: uploads N sealed registrations to `district-hub serve` with C requests
 * in flight (libcurl multi, keep-alive) and prints how many the hub stored durably per second.
 * Built and run by tools/bench/bench-registrations.sh; not a test.
 *
 *   bench-registrations URL TOKEN PUBKEY_HEX N CONCURRENCY [CAFILE]
 *
 * Every record is a valid canonical registration record (docs/protocol.md), sealed to PUBKEY
 * before the clock starts, with its own random idempotency key. A second pass sends every
 * record again (replays: 200, answered from hub.db without opening). Prints one line per pass;
 * exit status 1 if any answer was not the expected one. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct upload {
    unsigned char *sealed;
    size_t len;
    char key[33];
} upload;

typedef struct slot {
    CURL *easy;
    struct curl_slist *headers;
    size_t index;
    double started;
} slot;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void start(slot *s, const upload *u, size_t index, const char *url, const char *token,
                  const char *cafile, CURLM *multi)
{
    char line[160];
    curl_slist_free_all(s->headers);
    s->headers = NULL;
    snprintf(line, sizeof line, "Authorization: Bearer %s", token);
    s->headers = curl_slist_append(s->headers, line);
    snprintf(line, sizeof line, "Idempotency-Key: %s", u->key);
    s->headers = curl_slist_append(s->headers, line);
    s->headers = curl_slist_append(s->headers, "Content-Type: application/octet-stream");
    s->headers = curl_slist_append(s->headers, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(s->easy, CURLOPT_URL, url);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, u->sealed);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)u->len);
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
    if (cafile)
        curl_easy_setopt(s->easy, CURLOPT_CAINFO, cafile);
    s->index = index;
    s->started = now_s();
    curl_multi_add_handle(multi, s->easy);
}

/* Sends every upload once with conc in flight; counts answers by status. Returns seconds. */
static double pass(const upload *ups, size_t n, size_t conc, const char *url, const char *token,
                   const char *cafile, long expect, size_t *bad, double *lat)
{
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conc);
    slot *slots = calloc(conc, sizeof *slots);
    size_t next = 0, done = 0;
    *bad = 0;
    double t0 = now_s();
    for (size_t i = 0; i < conc && next < n; i++) {
        slots[i].easy = curl_easy_init();
        start(&slots[i], &ups[next], next, url, token, cafile, multi);
        next++;
    }
    while (done < n) {
        int running = 0, numfds = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
            for (size_t i = 0; i < conc; i++)
                if (slots[i].easy == m->easy_handle)
                    s = &slots[i];
            long code = 0;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (m->data.result != CURLE_OK || code != expect) {
                if (*bad < 5)
                    fprintf(stderr, "bench-registrations: record %zu: %s, HTTP %ld\n", s->index,
                            curl_easy_strerror(m->data.result), code);
                (*bad)++;
            }
            lat[s->index] = now_s() - s->started;
            done++;
            curl_multi_remove_handle(multi, s->easy);
            if (next < n) { /* the same handle: its connection is reused (keep-alive) */
                start(s, &ups[next], next, url, token, cafile, multi);
                next++;
            }
        }
        if (done < n)
            curl_multi_poll(multi, NULL, 0, 100, &numfds);
    }
    double secs = now_s() - t0;
    for (size_t i = 0; i < conc; i++) {
        if (slots[i].easy)
            curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].headers);
    }
    free(slots);
    curl_multi_cleanup(multi);
    return secs;
}

static void report(const char *what, size_t n, size_t conc, double secs, double *lat, size_t bad)
{
    qsort(lat, n, sizeof *lat, compare_double);
    printf("%-8s %6zu records, %3zu in flight: %8.0f req/s  (%.2f s; latency p50 %.2f ms, p99 "
           "%.2f ms)%s\n",
           what, n, conc, (double)n / secs, secs, lat[n / 2] * 1e3, lat[n * 99 / 100] * 1e3,
           bad ? "  ERRORS" : "");
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: bench-registrations URL TOKEN PUBKEY_HEX N CONCURRENCY [CAFILE]\n");
        return 2;
    }
    const char *url = argv[1], *token = argv[2], *pubhex = argv[3];
    size_t n = strtoul(argv[4], NULL, 10), conc = strtoul(argv[5], NULL, 10);
    const char *cafile = argc > 6 ? argv[6] : NULL;
    unsigned char pub[crypto_box_PUBLICKEYBYTES];
    if (sodium_init() < 0 || n == 0 || conc == 0 ||
        sodium_hex2bin(pub, sizeof pub, pubhex, strlen(pubhex), NULL, NULL, NULL) != 0) {
        fprintf(stderr, "bench-registrations: bad arguments\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    upload *ups = calloc(n, sizeof *ups);
    double *lat = calloc(n, sizeof *lat);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        char json[512];
        /* Canonical form: keys in byte order, no white space (docs/protocol.md). */
        int len = snprintf(json, sizeof json,
                           "{\"age_confirmed\":true,\"consent\":true,\"consent_version\":"
                           "\"privacy-2026-11\",\"created\":\"2026-11-26T10:00:00Z\",\"district\":"
                           "\"hoerde\",\"email\":\"bench%zu@example.de\",\"format\":"
                           "\"district-kiosk-registration\",\"groups\":[\"ag-phoenix-see\"],"
                           "\"language\":\"de\",\"message\":\"Ich helfe gern beim Lichterfest.\","
                           "\"name\":\"Bench Nummer %zu\",\"phone\":\"\",\"schema\":1}",
                           i, i);
        ups[i].len = (size_t)len + crypto_box_SEALBYTES;
        ups[i].sealed = malloc(ups[i].len);
        crypto_box_seal(ups[i].sealed, (const unsigned char *)json, (unsigned long long)len, pub);
        unsigned char raw[16];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(ups[i].key, sizeof ups[i].key, raw, sizeof raw);
        total += ups[i].len;
    }
    printf("%zu sealed records of %zu bytes on average\n", n, total / n);
    size_t bad = 0, bad2 = 0;
    double secs = pass(ups, n, conc, url, token, cafile, 201, &bad, lat);
    report("stored", n, conc, secs, lat, bad);
    secs = pass(ups, n, conc, url, token, cafile, 200, &bad2, lat);
    report("replayed", n, conc, secs, lat, bad2);
    for (size_t i = 0; i < n; i++)
        free(ups[i].sealed);
    free(ups);
    free(lat);
    curl_global_cleanup();
    return bad || bad2 ? 1 : 0;
}
