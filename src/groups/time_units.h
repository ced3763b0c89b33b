/*
 * time_units.h: what the time-based families (time windows, forecasting) share: the span
 * units of their names ("second" .. "year"; month = 30 days, year = 365 days, SPEC.md
 * §6.3 and §6.14); timestamp ticks per second are util/calendar.h's.
 */
#ifndef MLODA_GROUPS_TIME_UNITS_H
#define MLODA_GROUPS_TIME_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "mloda/table.h"
#include "util/calendar.h"

enum { SPAN_UNIT_N = 7 };
extern const char *const mloda_span_unit_names[SPAN_UNIT_N];
extern const int64_t mloda_span_unit_seconds[SPAN_UNIT_N];
#define SPAN_UNITS_ALLOWED "second, minute, hour, day, week, month, year"

#endif /* MLODA_GROUPS_TIME_UNITS_H */
