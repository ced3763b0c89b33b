/*
 * mhd.h: the libmicrohttpd functions the server calls, loaded when a server starts.
 *
 * libmicrohttpd links GnuTLS and its dependencies (nine libraries), whose loading and
 * constructors took 1.2 ms of every start of the `mloda` command, most of its start-up
 * time, although only `mloda serve` uses them. So the server resolves its functions with
 * dlopen at its first start instead of the program linking the library. The header is the
 * one the build found (pkg-config libmicrohttpd); the library is the one with its soname,
 * or the file named by the environment variable MLODA_MHD_LIBRARY.
 */
#ifndef MLODA_SERVE_MHD_H
#define MLODA_SERVE_MHD_H

#include <microhttpd.h>

#include "mloda/mloda.h"

#define SERVE_MHD_FN(name) __typeof__(MHD_##name) *name
typedef struct serve_mhd_api {
    SERVE_MHD_FN(start_daemon);
    SERVE_MHD_FN(stop_daemon);
    SERVE_MHD_FN(quiesce_daemon);
    SERVE_MHD_FN(add_response_header);
    SERVE_MHD_FN(lookup_connection_value);
    SERVE_MHD_FN(set_connection_option);
    SERVE_MHD_FN(queue_response);
    SERVE_MHD_FN(get_connection_info);
    SERVE_MHD_FN(destroy_response);
    SERVE_MHD_FN(create_response_from_callback);
    SERVE_MHD_FN(create_response_from_buffer);
    SERVE_MHD_FN(create_response_from_buffer_with_free_callback);
} serve_mhd_api;
#undef SERVE_MHD_FN

/** The functions; valid once mloda_serve_mhd_load returned OK (written once, then only
 *  read: every caller runs inside a server that was started). */
extern serve_mhd_api mloda_serve_mhd;

/** Loads libmicrohttpd once per process (thread-safe); MLODA_ERR_IO naming the library and
 *  the loader's reason when it is missing or lacks a function. */
mloda_status mloda_serve_mhd_load(mloda_error *err);

#endif /* MLODA_SERVE_MHD_H */
