/* The JSON reader and writer (json.h): a recursive-descent parser with a depth limit, and a
 * string buffer with escaping. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 64

typedef struct parser {
    const char *p, *end;
    char *err;
    size_t errlen;
    bool failed;
} parser;

static void fail(parser *ps, const char *why) {
    if (!ps->failed) snprintf(ps->err, ps->errlen, "JSON: %s", why);
    ps->failed = true;
}

static void skip_ws(parser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool literal(parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return false;
    ps->p += n;
    return true;
}

static int hex4(const char *s) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

static void put_utf8(json_buf *b, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    json_buf_addn(b, u, n);
}

static char *parse_string(parser *ps) {
    if (ps->p >= ps->end || *ps->p != '"') {
        fail(ps, "expected a string");
        return NULL;
    }
    ps->p++;
    json_buf b = {0};
    json_buf_add(&b, "");
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) {
            fail(ps, "control character in a string");
            break;
        }
        if (c != '\\') {
            json_buf_addn(&b, (const char *)&c, 1);
            continue;
        }
        if (ps->p >= ps->end) break;
        char e = *ps->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            json_buf_addn(&b, &out[simple - "\"\\/bfnrt"], 1);
        } else if (e == 'u' && ps->end - ps->p >= 4 && hex4(ps->p) >= 0) {
            uint32_t cp = (uint32_t)hex4(ps->p);
            ps->p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
                ps->p[1] == 'u' && hex4(ps->p + 2) >= 0xdc00 && hex4(ps->p + 2) < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + ((uint32_t)hex4(ps->p + 2) - 0xdc00);
                ps->p += 6;
            }
            put_utf8(&b, cp);
        } else {
            fail(ps, "bad escape in a string");
            break;
        }
    }
    if (!ps->failed && ps->p >= ps->end) fail(ps, "unterminated string");
    if (ps->failed || b.failed) {
        if (b.failed) fail(ps, "out of memory");
        json_buf_free(&b);
        return NULL;
    }
    ps->p++; /* closing quote */
    return b.text;
}

static bool parse_value(parser *ps, json_value *v, unsigned depth);

static bool grow(json_value *v, size_t *cap, bool keys) {
    if (v->count < *cap) return true;
    size_t n = *cap ? *cap * 2 : 4;
    json_value *items = realloc(v->items, n * sizeof *items);
    if (!items) return false;
    v->items = items;
    if (keys) {
        char **k = realloc(v->keys, n * sizeof *k);
        if (!k) return false;
        v->keys = k;
    }
    *cap = n;
    return true;
}

static bool parse_container(parser *ps, json_value *v, unsigned depth, bool object) {
    char close = object ? '}' : ']';
    v->type = object ? JSON_OBJECT : JSON_ARRAY;
    ps->p++;
    skip_ws(ps);
    size_t cap = 0;
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    for (;;) {
        if (!grow(v, &cap, object)) {
            fail(ps, "out of memory");
            return false;
        }
        char *key = NULL;
        if (object) {
            skip_ws(ps);
            key = parse_string(ps);
            if (!key) return false;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                fail(ps, "expected ':' after a key");
                return false;
            }
            ps->p++;
            v->keys[v->count] = key;
        }
        memset(&v->items[v->count], 0, sizeof v->items[0]);
        v->count++;
        if (!parse_value(ps, &v->items[v->count - 1], depth + 1)) return false;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return false;
    }
}

static bool parse_value(parser *ps, json_value *v, unsigned depth) {
    if (depth > MAX_DEPTH) {
        fail(ps, "nested too deeply");
        return false;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end");
        return false;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') return parse_container(ps, v, depth, c == '{');
    if (c == '"') {
        v->type = JSON_STRING;
        v->string = parse_string(ps);
        return v->string != NULL;
    }
    if (literal(ps, "true")) {
        v->type = JSON_BOOL;
        v->boolean = true;
        return true;
    }
    if (literal(ps, "false")) {
        v->type = JSON_BOOL;
        return true;
    }
    if (literal(ps, "null")) {
        v->type = JSON_NULL;
        return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char num[64];
        size_t n = 0;
        while (ps->p + n < ps->end && n + 1 < sizeof num && strchr("+-0123456789.eE", ps->p[n]))
            n++;
        memcpy(num, ps->p, n);
        num[n] = '\0';
        char *end;
        double d = strtod(num, &end);
        if (end != num + n || !isfinite(d)) {
            fail(ps, "bad number");
            return false;
        }
        ps->p += n;
        v->type = JSON_NUMBER;
        v->number = d;
        return true;
    }
    fail(ps, "unexpected character");
    return false;
}

static void free_contents(json_value *v) {
    for (size_t i = 0; i < v->count; i++) {
        free_contents(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->string);
}

json_value *json_parse(const char *text, size_t len, char *err, size_t errlen) {
    parser ps = {.p = text, .end = text + len, .err = err, .errlen = errlen};
    json_value *v = calloc(1, sizeof *v);
    if (!v) {
        snprintf(err, errlen, "JSON: out of memory");
        return NULL;
    }
    if (parse_value(&ps, v, 0)) {
        skip_ws(&ps);
        if (ps.p != ps.end) fail(&ps, "text after the value");
    }
    if (ps.failed) {
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(json_value *v) {
    if (!v) return;
    free_contents(v);
    free(v);
}

const json_value *json_get(const json_value *v, const char *key) {
    if (!v || v->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < v->count; i++)
        if (strcmp(v->keys[i], key) == 0) return &v->items[i];
    return NULL;
}

const char *json_get_string(const json_value *v, const char *key) {
    const json_value *m = json_get(v, key);
    return m && m->type == JSON_STRING ? m->string : NULL;
}

size_t json_frame(const char *buf, size_t len) {
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i == len) return 0;
    if (buf[i] != '{' && buf[i] != '[') { /* not a message: up to the end of the line */
        const char *nl = memchr(buf + i, '\n', len - i);
        return nl ? (size_t)(nl - buf) + 1 : 0;
    }
    unsigned depth = 0;
    bool in_string = false;
    for (; i < len; i++) {
        char c = buf[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return 0;
}

/* ---- writing ---- */

void json_buf_free(json_buf *b) {
    free(b->text);
    memset(b, 0, sizeof *b);
}

void json_buf_addn(json_buf *b, const char *s, size_t n) {
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->text, cap);
        if (!t) {
            b->failed = true;
            return;
        }
        b->text = t;
        b->cap = cap;
    }
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = '\0';
}

void json_buf_add(json_buf *b, const char *s) {
    json_buf_addn(b, s, strlen(s));
}

void json_buf_printf(json_buf *b, const char *fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        json_buf_addn(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    json_buf_addn(b, big, (size_t)n);
    free(big);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t len = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (!len || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return len;
}

void json_buf_stringn(json_buf *b, const char *s, size_t n) {
    json_buf_add(b, "\"");
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        size_t run = 0;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            json_buf_addn(b, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (named)
                json_buf_add(b, named);
            else
                json_buf_printf(b, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            while (i + run < n && u[i + run] >= 0x20 && u[i + run] < 0x7f && u[i + run] != '"' &&
                   u[i + run] != '\\')
                run++;
            json_buf_addn(b, s + i, run);
            i += run;
        } else if ((run = utf8_len(u + i, n - i)) != 0) {
            json_buf_addn(b, s + i, run);
            i += run;
        } else { /* a byte that is not UTF-8: shown as its Latin-1 character */
            json_buf_printf(b, "\\u%04x", c);
            i++;
        }
    }
    json_buf_add(b, "\"");
}

void json_buf_string(json_buf *b, const char *s) {
    json_buf_stringn(b, s ? s : "", s ? strlen(s) : 0);
}

void json_buf_value(json_buf *b, const json_value *v) {
    switch (v->type) {
    case JSON_NULL: json_buf_add(b, "null"); break;
    case JSON_BOOL: json_buf_add(b, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER:
        if (v->number == floor(v->number) && fabs(v->number) < 9e15)
            json_buf_printf(b, "%.0f", v->number);
        else
            json_buf_printf(b, "%.17g", v->number);
        break;
    case JSON_STRING: json_buf_string(b, v->string); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        json_buf_add(b, v->type == JSON_OBJECT ? "{" : "[");
        for (size_t i = 0; i < v->count; i++) {
            if (i) json_buf_add(b, ", ");
            if (v->type == JSON_OBJECT) {
                json_buf_string(b, v->keys[i]);
                json_buf_add(b, ": ");
            }
            json_buf_value(b, &v->items[i]);
        }
        json_buf_add(b, v->type == JSON_OBJECT ? "}" : "]");
        break;
    }
}
