/* time_units.c: span units and timestamp ticks shared by the time-based families. */
#include "groups/time_units.h"

#include <string.h>

const char *const mloda_span_unit_names[SPAN_UNIT_N] = {"second", "minute", "hour", "day",
                                                  "week",   "month",  "year"};
/* month = 30 days, year = 365 days (SPEC.md §6.3; mloda's _generate_future_timestamps) */
const int64_t mloda_span_unit_seconds[SPAN_UNIT_N] = {1, 60, 3600, 86400, 604800, 2592000, 31536000};

int mloda_find_name(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; i < n; i++) {
        if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
            return i;
    }
    return -1;
}

int64_t mloda_timestamp_per_second(mloda_time_unit u)
{
    switch (u) {
    case MLODA_TIME_MILLI:
        return 1000;
    case MLODA_TIME_MICRO:
        return 1000000;
    case MLODA_TIME_NANO:
        return 1000000000;
    default:
        return 1;
    }
}
