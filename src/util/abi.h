/*
 * abi.h: the versioning rule of every public versioned struct (mloda/plugin.h): each starts
 * with `size_t struct_size; uint32_t abi_version;`, and the library reads those two before
 * anything else.
 */
#ifndef MLODA_UTIL_ABI_H
#define MLODA_UTIL_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "mloda/base.h"

/** The head every versioned struct starts with. */
typedef struct mloda_abi_head {
    size_t struct_size;
    uint32_t abi_version;
} mloda_abi_head;

/**
 * Copies the caller's versioned struct src into dst (dst_size bytes: this library's size
 * of the struct), reading struct_size and abi_version first and nothing else until both
 * are known to be good: abi_version must equal `abi`, struct_size must reach
 * `required_size` (the end of the last required field). Then min(struct_size, dst_size)
 * bytes are copied and the rest of dst is zeroed, so fields an older caller lacks read as
 * absent and fields a newer caller added are ignored.
 * code  the status of a refusal (MLODA_ERR_PLUGIN for plugins, MLODA_ERR_INVALID_ARG for
 *       option structs); what names the struct in the message ("feature group").
 */
mloda_status mloda_abi_copy(void *dst, size_t dst_size, const void *src, uint32_t abi,
                            size_t required_size, mloda_status code, const char *what,
                            mloda_error *err);

#endif /* MLODA_UTIL_ABI_H */
