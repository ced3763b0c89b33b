/*
 * arrow_internal.h: the halves of Arrow export (schema only, array only), shared by
 * arrow_export.c and arrow_stream.c. On failure the output struct is left released
 * (release == NULL) and nothing leaks.
 */
#ifndef MLODA_TABLE_ARROW_INTERNAL_H
#define MLODA_TABLE_ARROW_INTERNAL_H

#include "mloda/table.h"

mloda_status mloda_arrow_export_table_schema(const mloda_table *t, struct ArrowSchema *out,
                                             mloda_error *err);
mloda_status mloda_arrow_export_table_array(const mloda_table *t, struct ArrowArray *out,
                                            mloda_error *err);

#endif /* MLODA_TABLE_ARROW_INTERNAL_H */
