/*
 * options_internal.h: what the feature layer adds to the public options API
 * (mloda/options.h) for the layers above: canonical text into a growable buffer (plan
 * identity keys over both buckets) and merging one options object into another.
 * Not exported.
 */
#ifndef MLODA_FEATURE_OPTIONS_INTERNAL_H
#define MLODA_FEATURE_OPTIONS_INTERNAL_H

#include "mloda/options.h"
#include "util/buf.h"

/** Bucket argument of mloda_options_canonical_buf meaning "every key of both buckets". */
#define MLODA_OPTIONS_ALL_BUCKETS (-1)

/**
 * Appends the canonical JSON text of the options of one bucket (MLODA_CONTEXT or
 * MLODA_GROUP) to out: keys sorted bytewise, no spaces, strings JSON-escaped, ints as
 * integers, floats in shortest round-trip form ("3.0" for 3), lists as arrays; "{}" when
 * the bucket holds no key. With MLODA_OPTIONS_ALL_BUCKETS every key appears, prefixed
 * with its bucket ("c:" context, "g:" group), context keys first:
 * {"c:a":1,"g:b":"x"}. o may be NULL (empty).
 *
 * Errors: MLODA_ERR_INVALID_ARG (out NULL, unknown bucket), MLODA_ERR_NOMEM; on failure
 * out is left as it was.
 */
mloda_status mloda_options_canonical_buf(const mloda_options *o, int bucket, mloda_buf *out,
                                         mloda_error *err);

/**
 * Copies every entry of src (value and bucket) into dst, replacing entries with the same
 * key in place; new keys are appended in src's order. src may be NULL or dst itself
 * (nothing to do).
 *
 * Errors: MLODA_ERR_INVALID_ARG (dst NULL), MLODA_ERR_NOMEM; on failure dst is unchanged.
 */
mloda_status mloda_options_merge(mloda_options *dst, const mloda_options *src, mloda_error *err);

#endif /* MLODA_FEATURE_OPTIONS_INTERNAL_H */
