/* time_units.c: span units shared by the time-based families (ticks: util/calendar). */
#include "groups/time_units.h"

const char *const mloda_span_unit_names[SPAN_UNIT_N] = {"second", "minute", "hour", "day",
                                                  "week",   "month",  "year"};
/* month = 30 days, year = 365 days (SPEC.md §6.3; mloda's _generate_future_timestamps) */
const int64_t mloda_span_unit_seconds[SPAN_UNIT_N] = {1, 60, 3600, 86400, 604800, 2592000, 31536000};
