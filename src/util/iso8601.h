/*
 * iso8601.h: ISO 8601 date-times <-> microseconds since the Unix epoch (UTC, no zone
 * kept), for timestamp parameters and timestamp text. Locale-independent, reentrant.
 * The calendar arithmetic underneath is util/calendar.h.
 */
#ifndef MLODA_UTIL_ISO8601_H
#define MLODA_UTIL_ISO8601_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS", with an optional
 * fraction (up to 9 digits; below microseconds truncated) and an optional zone "Z" or
 * "+HH:MM"/"-HH:MM"/"+HHMM" (converted to UTC). 'T' may also be a space. The whole of
 * s[0..len) must match. Returns false for anything else, including invalid dates.
 */
bool mloda_iso8601_parse(const char *s, size_t len, int64_t *out_micros);

/** Writes "YYYY-MM-DDTHH:MM:SS" plus ".ffffff" (trailing zeros trimmed) when the fraction
 *  is not zero; buf needs 32 bytes. Returns the length. */
size_t mloda_iso8601_format(int64_t micros, char *buf, size_t cap);

#endif /* MLODA_UTIL_ISO8601_H */
