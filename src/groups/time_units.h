/*
 * time_units.h: what the time-based families (time windows, forecasting) share: the span
 * units of their names ("second" .. "year"; month = 30 days, year = 365 days, SPEC.md
 * §6.3 and §6.14); timestamp ticks per second are util/calendar.h's.
 */
#ifndef MLODA_GROUPS_TIME_UNITS_H
#define MLODA_GROUPS_TIME_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "mloda/mloda.h"
#include "util/calendar.h"

enum { SPAN_UNIT_N = 7 };
extern const char *const mloda_span_unit_names[SPAN_UNIT_N];
extern const int64_t mloda_span_unit_seconds[SPAN_UNIT_N];
#define SPAN_UNITS_ALLOWED "second, minute, hour, day, week, month, year"

/**
 * Why input j of the feature being bound is text where a timestamp column is needed, when
 * it is a data source's column (whose example rows prepare sees): appends to buf (cap
 * bytes, NUL-terminated) "; its row R ('...') is not an ISO 8601 date-time, so the column
 * was read as text", or, when every value reads as a date-time, how to declare the type.
 * Appends nothing otherwise (a computed text column).
 */
void mloda_text_time_hint(const mloda_bind *ctx, int64_t j, char *buf, size_t cap);

#endif /* MLODA_GROUPS_TIME_UNITS_H */
