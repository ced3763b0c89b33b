/*
 * plugin_call.c: how the engine reports a plugin callback that failed (plugin.h, "Plugins
 * must be well-behaved"). Shared by the planner (match, inputs), bind.c (bind) and the
 * executor (calculate), so that every callback gets the same treatment: a status that is
 * not an MLODA_* code never passes through, and a failure always carries a message that
 * names the callback, the group and the feature.
 */
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"
#include "util/util.h"

mloda_status mloda_plugin_failure(mloda_error *e, mloda_status rc, const char *callback,
                                  const char *group, const char *feature)
{
    const bool rc_known = mloda_status_is_known(rc);
    if (!rc_known || !mloda_status_is_known(e->code)) {
        /* the raw value as the plugin wrote it: an enum holding -3 reads back as -3 */
        const long long raw = (long long)(int)(rc_known ? e->code : rc);
        char said[MLODA_ERROR_MESSAGE_MAX];
        (void)snprintf(said, sizeof said, "%s", e->code != MLODA_OK ? e->message : "");
        mloda_error_reset(e);
        return mloda_error_set(e, MLODA_ERR_PLUGIN, feature,
                               "feature group '%s': %s %s status %lld for feature '%s', which "
                               "is not an MLODA_* status code%s%s",
                               group, callback, rc_known ? "recorded" : "returned", raw, feature,
                               said[0] != '\0' ? "; its message: " : "", said);
    }
    if (e->code == MLODA_OK)
        return mloda_error_set(e, rc, feature,
                               "feature group '%s': %s returned %s without a message (feature "
                               "'%s')",
                               group, callback, mloda_status_name(rc), feature);
    mloda_error_default_subject(e, feature);
    return e->code;
}
