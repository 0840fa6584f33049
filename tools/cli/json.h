/* A small JSON reader and writer for the QMP monitor and the result files: parses one value into
 * a tree (objects keep their keys in order), finds where a value ends in a byte stream, and
 * appends escaped strings to a growing buffer. Numbers are doubles; strings are UTF-8 as given
 * (\uXXXX escapes are decoded to UTF-8). */
#ifndef SOCEMU_CLI_JSON_H
#define SOCEMU_CLI_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    bool boolean;
    double number;
    char *string;      /* JSON_STRING */
    size_t count;      /* JSON_ARRAY, JSON_OBJECT: items */
    json_value *items; /* count values */
    char **keys;       /* JSON_OBJECT: count keys */
};

/* Parses exactly one value (surrounding white space allowed). NULL with a reason in err. */
json_value *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(json_value *v);
/* Member of an object by key (NULL if v is not an object or has no such key). */
const json_value *json_get(const json_value *v, const char *key);
/* The string member key, or NULL. */
const char *json_get_string(const json_value *v, const char *key);

/* In a stream: the length of the first complete value at the start of buf (leading white space
 * included), 0 while it is incomplete. Only objects and arrays are framed (QMP's messages). */
size_t json_frame(const char *buf, size_t len);

/* A growing text buffer; on allocation failure it stays as it was and sets failed. */
typedef struct json_buf {
    char *text;
    size_t len, cap;
    bool failed;
} json_buf;

void json_buf_free(json_buf *b);
void json_buf_add(json_buf *b, const char *s);
void json_buf_addn(json_buf *b, const char *s, size_t n);
void json_buf_printf(json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string (control bytes and invalid UTF-8 escaped). */
void json_buf_string(json_buf *b, const char *s);
void json_buf_stringn(json_buf *b, const char *s, size_t n);
/* Appends a value (as parsed) back as JSON. */
void json_buf_value(json_buf *b, const json_value *v);

#endif
