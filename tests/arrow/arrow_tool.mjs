// arrow_tool.mjs: the third-party side of the Arrow IPC interop tests (test_arrow_interop.py),
// using the apache-arrow JavaScript implementation (tests/arrow/node_modules, installed by
// scripts/deps.sh with npm ci).
//
//   node arrow_tool.mjs dump FILE|-       reads Arrow IPC streams one after another (what
//                                         `mloda run/stream --format arrow` writes) and prints
//                                         them as JSON (below)
//   node arrow_tool.mjs write SPEC OUT|-  writes the streams SPEC (a JSON file) describes
//
// dump prints [{"metadata": {...}, "fields": [{"name", "type", "nullable", ...}],
// "batches": [{"rows": n, "columns": {"name": [values]}}]}]: Int64 and Timestamp values as
// decimal strings (exact), other numbers as JSON numbers ("NaN", "Infinity", "-Infinity" as
// strings), nulls as null, FixedSizeList rows as arrays.
//
// SPEC: {"compression": "lz4-uncompressed" (optional: flags every batch LZ4-compressed, the
// buffers kept whole, as the format allows), "streams": [{"columns": [{"name", "type"}],
// "batches": [{"name": [values]}]}]}; types: int8/16/32/64, uint8/16/32, float32, float64,
// bool, utf8, large_utf8, timestamp[s|ms|us|ns], null, dictionary (utf8 values, int32
// indices); int64 and timestamp values as decimal strings or numbers, nulls as null. Every
// array is laid out here from its raw buffers (validity bitmap, offsets, values), so what is
// written is exactly what the spec says.
import fs from 'node:fs';
import * as arrow from 'apache-arrow';

const {
    Schema, Field, RecordBatch, RecordBatchReader, RecordBatchStreamWriter, makeData, Struct,
    Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Float32, Float64, Bool, Utf8, LargeUtf8,
    Timestamp, TimeUnit, Null, Dictionary, Type, CompressionType, compressionRegistry, Vector,
} = arrow;

const UNITS = { s: TimeUnit.SECOND, ms: TimeUnit.MILLISECOND, us: TimeUnit.MICROSECOND,
                ns: TimeUnit.NANOSECOND };
const UNIT_NAMES = ['s', 'ms', 'us', 'ns'];

function arrowType(name) {
    const ts = /^timestamp\[(s|ms|us|ns)\]$/.exec(name);
    if (ts) return new Timestamp(UNITS[ts[1]]);
    switch (name) {
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'float32': return new Float32();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'utf8': return new Utf8();
    case 'large_utf8': return new LargeUtf8();
    case 'null': return new Null();
    case 'dictionary': return new Dictionary(new Utf8(), new Int32(), 0);
    default: throw new Error(`unknown type ${name}`);
    }
}

function validity(values) {
    const bits = new Uint8Array(Math.ceil(values.length / 8));
    let nulls = 0;
    values.forEach((v, i) => {
        if (v === null) nulls++;
        else bits[i >> 3] |= 1 << (i & 7);
    });
    return { bits, nulls };
}

function utf8Data(type, values, Offsets, toOffset) {
    const enc = new TextEncoder();
    const parts = values.map((v) => enc.encode(v === null ? '' : v));
    const offsets = new Offsets(values.length + 1);
    let at = 0;
    parts.forEach((p, i) => { at += p.length; offsets[i + 1] = toOffset(at); });
    const data = new Uint8Array(at);
    at = 0;
    for (const p of parts) { data.set(p, at); at += p.length; }
    const { bits, nulls } = validity(values);
    return makeData({ type, length: values.length, nullCount: nulls,
                      nullBitmap: nulls ? bits : null, valueOffsets: offsets, data });
}

function columnData(typeName, type, values) {
    const n = values.length;
    const { bits, nulls } = validity(values);
    const nullBitmap = nulls ? bits : null;
    const numeric = (Array_, conv) => {
        const a = new Array_(n);
        values.forEach((v, i) => { a[i] = v === null ? conv(0) : conv(v); });
        return makeData({ type, length: n, nullCount: nulls, nullBitmap, data: a });
    };
    const num = (v) => (typeof v === 'string' ? Number(v) : v);
    switch (typeName) {
    case 'int8': return numeric(Int8Array, num);
    case 'int16': return numeric(Int16Array, num);
    case 'int32': return numeric(Int32Array, num);
    case 'uint8': return numeric(Uint8Array, num);
    case 'uint16': return numeric(Uint16Array, num);
    case 'uint32': return numeric(Uint32Array, num);
    case 'int64': return numeric(BigInt64Array, (v) => BigInt(v));
    case 'float32': return numeric(Float32Array, num);
    case 'float64': return numeric(Float64Array, num);
    case 'bool': {
        const data = new Uint8Array(Math.ceil(n / 8));
        values.forEach((v, i) => { if (v === true) data[i >> 3] |= 1 << (i & 7); });
        return makeData({ type, length: n, nullCount: nulls, nullBitmap, data });
    }
    case 'utf8': return utf8Data(type, values, Int32Array, (x) => x);
    case 'large_utf8': return utf8Data(type, values, BigInt64Array, (x) => BigInt(x));
    case 'null': return makeData({ type, length: n, nullCount: n });
    case 'dictionary': {
        const dict = [...new Set(values.filter((v) => v !== null))];
        const dictVector = new Vector([utf8Data(new Utf8(), dict, Int32Array, (x) => x)]);
        const idx = new Int32Array(n);
        values.forEach((v, i) => { idx[i] = v === null ? 0 : dict.indexOf(v); });
        return makeData({ type, length: n, nullCount: nulls, nullBitmap, data: idx,
                          dictionary: dictVector });
    }
    default:
        if (typeName.startsWith('timestamp')) return numeric(BigInt64Array, (v) => BigInt(v));
        throw new Error(`unknown type ${typeName}`);
    }
}

function writeStreams(spec) {
    let compressionType = null;
    if (spec.compression === 'lz4-uncompressed') {
        // A codec that never makes a buffer smaller: the writer then stores each buffer
        // whole behind the -1 length prefix, a legal LZ4_FRAME-flagged body. (The registry
        // probes encode() with the bytes 1..8 and wants an LZ4 frame header back.)
        const probe = (b) => b.length === 8 && b.every((x, i) => x === i + 1);
        const header = new Uint8Array([4, 34, 77, 24, 0x40, 0x40, 0xC0]);
        compressionRegistry.set(CompressionType.LZ4_FRAME,
                                { encode: (b) => (probe(b) ? header : b), decode: (b) => b });
        compressionType = CompressionType.LZ4_FRAME;
    }
    const chunks = [];
    for (const s of spec.streams) {
        const types = s.columns.map((c) => arrowType(c.type));
        const schema = new Schema(s.columns.map((c, i) => new Field(c.name, types[i], true)));
        const writer = new RecordBatchStreamWriter(compressionType === null ? {}
                                                   : { compressionType });
        for (const b of s.batches) {
            const cols = s.columns.map((c, i) => columnData(c.type, types[i], b[c.name]));
            const length = cols.length ? cols[0].length : (b.__rows__ ?? 0);
            const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0,
                                    children: cols });
            writer.write(new RecordBatch(schema, data));
        }
        if (s.batches.length === 0) writer.reset(undefined, schema);
        writer.finish();
        chunks.push(writer.toUint8Array(true));
    }
    return Buffer.concat(chunks);
}

function jsonValue(type, v) {
    if (v === null || v === undefined) return null;
    switch (type.typeId) {
    case Type.Int:
        return typeof v === 'bigint' ? v.toString() : v;
    case Type.Float:
        return Object.is(v, -0) ? "-0" : Number.isFinite(v) ? v : String(v);
    case Type.Timestamp:
        return null; // read from the raw buffer instead (below)
    case Type.FixedSizeList:
        return [...v].map((x) => (Number.isFinite(x) ? x : String(x)));
    default:
        return v;
    }
}

function dumpColumn(field, vector) {
    const out = [];
    for (const data of vector.data) {
        for (let i = 0; i < data.length; i++) {
            if (!data.getValid(i)) { out.push(null); continue; }
            if (field.type.typeId === Type.Timestamp) {
                // the raw int64 value in the column's unit, exactly
                const raw = new BigInt64Array(data.values.buffer, data.values.byteOffset,
                                              data.offset + data.length);
                out.push(raw[data.offset + i].toString());
                continue;
            }
            out.push(jsonValue(field.type, vector.get(out.length)));
        }
    }
    return out;
}

function fieldInfo(f) {
    const t = f.type;
    const info = { name: f.name, type: Type[t.typeId], nullable: f.nullable };
    if (t.typeId === Type.Int) { info.bitWidth = t.bitWidth; info.signed = t.isSigned; }
    if (t.typeId === Type.Float) info.precision = t.precision;
    if (t.typeId === Type.Timestamp) { info.unit = UNIT_NAMES[t.unit]; info.timezone = t.timezone ?? null; }
    if (t.typeId === Type.FixedSizeList) {
        info.listSize = t.listSize;
        info.child = Type[t.children[0].type.typeId];
    }
    return info;
}

function dump(bytes) {
    const streams = [];
    for (const reader of RecordBatchReader.readAll(bytes)) {
        const s = { metadata: Object.fromEntries(reader.schema.metadata), fields: [], batches: [] };
        s.fields = reader.schema.fields.map(fieldInfo);
        for (const batch of reader) {
            const columns = {};
            reader.schema.fields.forEach((f, i) => { columns[f.name] = dumpColumn(f, batch.getChildAt(i)); });
            s.batches.push({ rows: batch.numRows, columns });
        }
        if (s.fields.length === 0 && s.batches.length === 0) continue; // nothing after the last stream
        streams.push(s);
    }
    return streams;
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === 'dump') {
    const bytes = fs.readFileSync(a === '-' ? 0 : a);
    process.stdout.write(JSON.stringify(dump(bytes)) + '\n');
} else if (cmd === 'write') {
    const bytes = writeStreams(JSON.parse(fs.readFileSync(a, 'utf8')));
    if (b === '-') process.stdout.write(bytes);
    else fs.writeFileSync(b, bytes);
} else {
    process.stderr.write('usage: node arrow_tool.mjs dump FILE|- | write SPEC OUT|-\n');
    process.exit(2);
}
