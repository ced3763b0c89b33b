/*
 * arrow_ipc.h: the Arrow IPC stream format (Arrow columnar format specification,
 * "Serialization and Interprocess Communication"), written and read without an Arrow
 * library: encapsulated messages (0xFFFFFFFF, metadata size, a Message flatbuffer, the body),
 * Schema and RecordBatch headers, little-endian, no dictionaries, no compression.
 * Internal to src/io; io.h offers the writer, the reader and the batch source.
 *
 * Types, both ways: int64 <-> Int(64, signed); float64 <-> FloatingPoint(DOUBLE); bool <->
 * Bool; utf8 <-> Utf8; timestamp <-> Timestamp(unit, no zone); float64_list[n] <->
 * FixedSizeList(n) of FloatingPoint(DOUBLE); null <-> Null. Read only (widened): Int of 8,
 * 16 or 32 bits (signed or not), FloatingPoint(SINGLE), LargeUtf8, Timestamp with a zone
 * (the values are UTC either way).
 */
#ifndef MLODA_IO_ARROW_IPC_H
#define MLODA_IO_ARROW_IPC_H

#include "io/io.h"

#endif /* MLODA_IO_ARROW_IPC_H */
