/* abi.c: reading a caller's versioned struct (see abi.h). */
#include "util/abi.h"

#include <string.h>

mloda_status mloda_abi_copy(void *dst, size_t dst_size, const void *src, uint32_t abi,
                            size_t required_size, mloda_status code, const char *what,
                            mloda_error *err)
{
    memset(dst, 0, dst_size);
    if (src == NULL)
        return mloda_error_set(err, MLODA_ERR_INVALID_ARG, what, "%s is NULL", what);
    mloda_abi_head head;
    memcpy(&head.struct_size, src, sizeof head.struct_size);
    const size_t head_size = offsetof(mloda_abi_head, abi_version) + sizeof head.abi_version;
    if (head.struct_size < head_size)
        return mloda_error_set(err, code, what,
                               "%s has struct_size %zu, too small for struct_size and "
                               "abi_version (set it to sizeof the struct)",
                               what, head.struct_size);
    memcpy(&head.abi_version, (const char *)src + offsetof(mloda_abi_head, abi_version),
           sizeof head.abi_version);
    if (head.abi_version != abi)
        return mloda_error_set(err, code, what,
                               "%s has abi_version %u; this library supports %u", what,
                               (unsigned)head.abi_version, (unsigned)abi);
    if (head.struct_size < required_size)
        return mloda_error_set(err, code, what,
                               "%s has struct_size %zu, smaller than the %zu bytes its "
                               "required fields take",
                               what, head.struct_size, required_size);
    size_t n = head.struct_size < dst_size ? head.struct_size : dst_size;
    memcpy(dst, src, n);
    memcpy(dst, &n, sizeof n); /* the copy's struct_size is what it holds */
    return MLODA_OK;
}
