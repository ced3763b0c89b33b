/* mhd.c: libmicrohttpd loaded at the first server start (see mhd.h). */
#include "serve/mhd.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

serve_mhd_api mloda_serve_mhd;

/* The soname of the ABI the header describes (stable since libmicrohttpd 0.9.53), then the
 * development link as a fallback. */
static const char *const LIBRARIES[] = {"libmicrohttpd.so.12", "libmicrohttpd.so"};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char load_error[MLODA_ERROR_MESSAGE_MAX]; /* empty when loaded */

static void load(void)
{
    /* MLODA_MHD_LIBRARY names the library file when it is not where the loader looks */
    const char *chosen = getenv("MLODA_MHD_LIBRARY");
    const char *name = chosen != NULL && chosen[0] != '\0' ? chosen : LIBRARIES[0];
    void *lib = NULL;
    if (name == chosen)
        lib = dlopen(chosen, RTLD_NOW | RTLD_LOCAL);
    for (size_t i = 0; name != chosen && lib == NULL && i < sizeof LIBRARIES / sizeof LIBRARIES[0];
         i++)
        lib = dlopen(LIBRARIES[i], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        (void)snprintf(load_error, sizeof load_error,
                       "cannot load %s, the HTTP library of the server (install libmicrohttpd, "
                       "or name its file in MLODA_MHD_LIBRARY): %s",
                       name, why != NULL ? why : "not found");
        return;
    }
    static const struct {
        const char *name;
        size_t offset;
    } fns[] = {
#define SERVE_MHD_SYM(n) {"MHD_" #n, offsetof(serve_mhd_api, n)}
        SERVE_MHD_SYM(start_daemon),
        SERVE_MHD_SYM(stop_daemon),
        SERVE_MHD_SYM(quiesce_daemon),
        SERVE_MHD_SYM(add_response_header),
        SERVE_MHD_SYM(lookup_connection_value),
        SERVE_MHD_SYM(set_connection_option),
        SERVE_MHD_SYM(queue_response),
        SERVE_MHD_SYM(get_connection_info),
        SERVE_MHD_SYM(destroy_response),
        SERVE_MHD_SYM(create_response_from_callback),
        SERVE_MHD_SYM(create_response_from_buffer),
        SERVE_MHD_SYM(create_response_from_buffer_with_free_callback),
#undef SERVE_MHD_SYM
    };
    serve_mhd_api api;
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
        void *f = dlsym(lib, fns[i].name);
        if (f == NULL) {
            (void)snprintf(load_error, sizeof load_error, "%s has no function %s", name,
                           fns[i].name);
            return; /* the library stays loaded: harmless, and dlclose may not unload it */
        }
        /* object to function pointer: what dlsym is for (POSIX guarantees it works) */
        memcpy((char *)&api + fns[i].offset, &f, sizeof f);
    }
    mloda_serve_mhd = api;
}

mloda_status mloda_serve_mhd_load(mloda_error *err)
{
    (void)pthread_once(&once, load);
    if (load_error[0] != '\0')
        return mloda_error_set(err, MLODA_ERR_IO, NULL, "%s", load_error);
    return MLODA_OK;
}
