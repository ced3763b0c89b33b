/*
 * time_units.h: what the time-based families (time windows, forecasting) share: the span
 * units of their names ("second" .. "year"; month = 30 days, year = 365 days, SPEC.md
 * §6.3 and §6.14), timestamp ticks per second, and looking a token up in a name table.
 */
#ifndef MLODA_GROUPS_TIME_UNITS_H
#define MLODA_GROUPS_TIME_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "mloda/table.h"

enum { SPAN_UNIT_N = 7 };
extern const char *const mloda_span_unit_names[SPAN_UNIT_N];
extern const int64_t mloda_span_unit_seconds[SPAN_UNIT_N];
#define SPAN_UNITS_ALLOWED "second, minute, hour, day, week, month, year"

/** Index of s[0..len) in names[0..n), or -1. */
int mloda_find_name(const char *const *names, int n, const char *s, size_t len);

/** Ticks of a timestamp column per second (1, 1000, 10^6 or 10^9). */
int64_t mloda_timestamp_per_second(mloda_time_unit u);

#endif /* MLODA_GROUPS_TIME_UNITS_H */
