// bench_duckdb.mjs: DuckDB (@duckdb/node-api, in memory) as the peer of mloda-c on the
// operations of bench_join and bench_families, on the same data: the values are generated
// by the same formulas and generators as those programs (bench_join's 32-bit LCG keys,
// bench_families' splitmix64 categories), loaded once, and each operation's full output
// materialised in DuckDB's memory (connection.run: a materialized result, not read into
// JavaScript; faster than CREATE TEMP TABLE ... AS, which took 1.5-4x as long), as mloda-c
// materialises its output columns. Medians of REPS runs after a warm-up run; DuckDB with 2
// threads (the machine's cores).
//
//   node bench_duckdb.mjs [--quick] [RESULTS]
// RESULTS: a file of RESULT lines of the same bench/run (bench_join, bench_families): each
// DuckDB figure is printed as the baseline of the matching mloda-c figure, so the report
// shows the pair and the ratio (mloda-c / DuckDB: below 1, mloda-c is ahead). Without it, or
// for a figure missing there, the DuckDB figure is printed alone ("duckdb: ...").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const resultsFile = args.find((a) => a !== '--quick');
const REPS = quick ? 3 : 7;
const LEFT = 1000000, RIGHT = 100000, N = 1000000, N_CATS = 8;
const CATS = ['red', 'green', 'blue', 'cyan', 'gray', 'black', 'yellow', 'white'];

function median(v) {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// bench_join.c make_data: s = s * 1103515245 + 12345 (mod 2^32); k = (s >> 4) % 110000
function joinKeys() {
    const k = new Array(LEFT);
    let s = 12345;
    for (let i = 0; i < LEFT; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        k[i] = (s >>> 4) % (RIGHT + RIGHT / 10);
    }
    return k;
}

// bench_families.c: splitmix64 from 42, 15 draws per row in data_init; the category is the
// 12th (index 11): rnd() % 8. The state is a counter, so draw j is mix(42 + (j + 1) * gamma).
function familyCats() {
    const M = (1n << 64n) - 1n, gamma = 0x9e3779b97f4a7c15n;
    const out = new Array(N);
    for (let i = 0; i < N; i++) {
        let z = (42n + BigInt(15 * i + 12) * gamma) & M;
        z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
        z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
        z ^= z >> 31n;
        out[i] = CATS[Number(z % BigInt(N_CATS))];
    }
    return out;
}

async function main() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mloda_bench_duckdb_'));
    try {
        const keys = path.join(dir, 'keys.csv'), cats = path.join(dir, 'cats.csv');
        fs.writeFileSync(keys, 'k\n' + joinKeys().join('\n') + '\n');
        fs.writeFileSync(cats, 'cat\n' + familyCats().join('\n') + '\n');
        const db = await DuckDBInstance.create(':memory:', { threads: '2' });
        const con = await db.connect();
        const q = (sql) => con.run(sql);
        await q(`CREATE TABLE l AS SELECT (row_number() OVER () - 1)::BIGINT AS i, k::BIGINT AS k
                 FROM read_csv('${keys}', header = true, columns = {'k': 'BIGINT'})`);
        await q(`CREATE OR REPLACE TABLE l AS SELECT k, ((i % 1000) * 0.5)::DOUBLE AS v FROM l ORDER BY i`);
        await q(`CREATE TABLE r AS SELECT ((i * 7919) % ${RIGHT})::BIGINT AS id,
                 (1.0 + (i % 10))::DOUBLE AS a FROM range(${RIGHT}) t(i)`);
        await q(`CREATE TABLE c AS SELECT (row_number() OVER () - 1)::BIGINT AS i, cat
                 FROM read_csv('${cats}', header = true, columns = {'cat': 'VARCHAR'})`);
        await q(`CREATE TABLE fam AS SELECT t.i,
                 (((t.i * 7919) % 1000) * 0.25 - 50.0)::DOUBLE AS v,
                 to_timestamp(1704067200 + 60 * t.i)::TIMESTAMP AS minutes, c.cat
                 FROM range(${N}) t(i) JOIN c ON c.i = t.i ORDER BY t.i`);
        // the same rows as the C programs: checked by counts and sums worked out here
        const check = async (sql) => (await (await con.runAndReadAll(sql)).getRowObjects())[0];
        const k = joinKeys();
        const matched = k.filter((x) => x < RIGHT).length;
        const inner = await check('SELECT count(*)::INTEGER AS n FROM l JOIN r ON l.k = r.id');
        if (inner.n !== matched)
            throw new Error(`inner join rows ${inner.n}, expected ${matched}`);
        const redCount = familyCats().filter((x) => x === 'red').length;
        const red = await check("SELECT count(*)::INTEGER AS n FROM fam WHERE cat = 'red'");
        if (red.n !== redCount)
            throw new Error(`categories differ: ${red.n} red, expected ${redCount}`);

        const ops = [
            ['families: aggregation (v__mean_aggr), 1000000 rows', 'ms',
             'SELECT m.mean AS v__mean_aggr FROM fam, (SELECT avg(v) AS mean FROM fam) m'],
            ['families: time window (v__sum_7_day_window), 1000000 rows', 'ms',
             `SELECT sum(v) OVER (ORDER BY minutes RANGE BETWEEN
                  INTERVAL '7 days' - INTERVAL '1 microsecond' PRECEDING AND CURRENT ROW)
                  AS v__sum_7_day_window FROM fam`],
            ['families: scaling (v__standard_scaled), 1000000 rows', 'ms',
             `SELECT (v - s.mean) / CASE WHEN s.sd > 0 THEN s.sd ELSE 1 END AS v__standard_scaled
                  FROM fam, (SELECT avg(v) AS mean, stddev_pop(v) AS sd FROM fam) s`],
            ['families: encoding (cat__label_encoded), 1000000 rows', 'ms',
             'SELECT (dense_rank() OVER (ORDER BY cat) - 1)::BIGINT AS cat__label_encoded FROM fam'],
            ['links: inner join 1M x 100k', 'ms',
             'SELECT l.v * r.a AS x FROM l JOIN r ON l.k = r.id'],
            ['links: left join 1M x 100k', 'ms',
             'SELECT l.v * r.a AS x FROM l LEFT JOIN r ON l.k = r.id'],
            ['links: range filter, 1M rows', 'ms',
             'SELECT v FROM l WHERE v >= 100 AND v < 300'],
        ];
        const mine = new Map();
        if (resultsFile && fs.existsSync(resultsFile))
            for (const line of fs.readFileSync(resultsFile, 'utf8').split('\n')) {
                const f = line.split('\t');
                if (f[0] === 'RESULT' && !mine.has(f[1])) mine.set(f[1], [Number(f[2]), f[3]]);
            }
        for (const [name, unit, sql] of ops) {
            const t = [];
            for (let r = 0; r < REPS + 1; r++) {
                const t0 = process.hrtime.bigint();
                const res = await q(sql);
                if (res.columnCount !== 1) throw new Error(`${name}: ${res.columnCount} columns`);
                const ms = Number(process.hrtime.bigint() - t0) / 1e6;
                if (r > 0) t.push(ms); // the first run warms up
            }
            const d = median(t);
            const m = mine.get(name);
            console.log(`# ${name}: DuckDB ${d.toFixed(2)} ms` + (m ? `, mloda-c ${m[0]} ${m[1]}` : ''));
            if (m && m[1] === unit)
                console.log(`RESULT\t${name}\t${m[0]}\t${unit}\tDuckDB (same data, 2 threads)\t${d.toFixed(4)}`);
            else
                console.log(`RESULT\tduckdb: ${name}\t${d.toFixed(4)}\t${unit}\t-\t0`);
        }
        con.closeSync();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((e) => {
    console.error(`bench_duckdb: ${e.stack || e}`);
    process.exit(1);
});
