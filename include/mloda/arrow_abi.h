/*
 * mloda/arrow_abi.h: the Arrow C Data Interface and C Stream Interface structs.
 *
 * The Arrow project asks consumers to define these structs themselves, under these
 * guard macros, so that several copies (pyarrow's, nanoarrow's, ours) coexist in one
 * program. Field order and types are fixed by the Arrow specification.
 */
#ifndef MLODA_ARROW_ABI_H
#define MLODA_ARROW_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    /* Array type description */
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;

    /* Release callback */
    void (*release)(struct ArrowSchema *);
    /* Opaque producer-specific data */
    void *private_data;
};

struct ArrowArray {
    /* Array data description */
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;

    /* Release callback */
    void (*release)(struct ArrowArray *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
    /* Fills *out with the schema of every array of the stream; 0 or an errno value. */
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    /* Fills *out with the next array, or a released array (release == NULL) at the end. */
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    /* Description of the last error, valid until the next call; may be NULL. */
    const char *(*get_last_error)(struct ArrowArrayStream *);

    /* Release callback */
    void (*release)(struct ArrowArrayStream *);
    /* Opaque producer-specific data */
    void *private_data;
};

#endif /* ARROW_C_STREAM_INTERFACE */

#ifdef __cplusplus
}
#endif

#endif /* MLODA_ARROW_ABI_H */
