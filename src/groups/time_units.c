/* time_units.c: span units shared by the time-based families (ticks: util/calendar). */
#include "groups/time_units.h"

#include <stdio.h>
#include <string.h>

#include "util/iso8601.h"
#include "util/util.h"

const char *const mloda_span_unit_names[SPAN_UNIT_N] = {"second", "minute", "hour", "day",
                                                  "week",   "month",  "year"};
/* month = 30 days, year = 365 days (SPEC.md §6.3; mloda's _generate_future_timestamps) */
const int64_t mloda_span_unit_seconds[SPAN_UNIT_N] = {1, 60, 3600, 86400, 604800, 2592000, 31536000};

void mloda_text_time_hint(const mloda_bind *ctx, int64_t j, char *buf, size_t cap)
{
    const mloda_feature *f = mloda_bind_feature(ctx);
    const char *col_name = mloda_bind_input_name(ctx, j);
    if (cap == 0 || mloda_bind_input_type(ctx, j) != MLODA_TYPE_UTF8)
        return;
    int64_t s = mloda_feature_data_source_find(f, col_name, NULL);
    const mloda_table *t = s < 0 ? NULL : mloda_feature_data_source(f, s);
    const mloda_column *c = mloda_table_column(t, mloda_table_column_index(t, col_name));
    if (c == NULL)
        return;
    size_t used = strlen(buf);
    for (int64_t r = 0; r < mloda_column_n_rows(c); r++) {
        int64_t len = 0, us = 0;
        const char *v = mloda_column_utf8_at(c, r, &len);
        if (v == NULL || mloda_iso8601_parse(v, (size_t)len, &us))
            continue;
        char shown[48];
        char copy[96];
        (void)snprintf(copy, sizeof copy, "%.*s", (int)(len < 95 ? len : 95), v);
        (void)snprintf(buf + used, cap - used,
                       "; its row %lld ('%s') is not an ISO 8601 date-time, so the column "
                       "was read as text",
                       (long long)r, mloda_elide_name(copy, shown, sizeof shown));
        return;
    }
    (void)snprintf(buf + used, cap - used,
                   "; its values read as dates: declare it \"timestamp\" in the request's "
                   "schema");
}
