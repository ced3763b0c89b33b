/*
 * help.c: the help texts of the program and of each subcommand.
 */
#include "cli/cli.h"

#include <string.h>

static const char program_help[] =
    "usage: mloda <command> [options]\n"
    "\n"
    "commands:\n"
    "  run      compute a request once on its own api_data\n"
    "  stream   prepare a request once, then compute every micro-batch of a source\n"
    "  explain  show the plan of a request without computing it\n"
    "  groups   list the feature groups with their names, patterns and options\n"
    "  serve    serve prepared requests over HTTP (inference, live feeds, dashboard)\n"
    "  produce  push NDJSON micro-batches into a Redis stream (for stream workers)\n"
    "\n"
    "options:\n"
    "  --help, -h   this text (mloda <command> --help for a command)\n"
    "  --version    the version\n"
    "\n"
    "exit codes: 0 ok, 1 a calculation or batch failed, 2 bad command line,\n"
    "            3 bad request or plan, 4 input/output error, 5 out of memory\n";

static const char run_help[] =
    "usage: mloda run --request FILE [--format ndjson|json|csv|table|arrow] [--threads N]\n"
    "                 [--batch-timeout S] [--max-output-cells N] [--max-categories N]\n"
    "                 [--max-horizon N] [--data-root DIR] [--max-*-bytes N]\n"
    "\n"
    "Plans the request and computes it on the request's own \"api_data\".\n"
    "\n"
    "  --request FILE   request JSON (- reads stdin):\n"
    "                   {\"features\": [\"value\", \"value__sum_aggr\",\n"
    "                                 {\"name\": \"total\", \"options\": {...}}],\n"
    "                    \"api_data\": {\"Table\": {\"value\": [1.5, 2.0]}},\n"
    "                    \"column_ordering\": \"request_order\" | \"alphabetical\",\n"
    "                    \"schema\": {\"Table\": {\"column\": \"timestamp\"}}}\n"
    "  --format F       ndjson (default when stdout is not a terminal): one line per\n"
    "                   result table {\"group\": ..., \"columns\": {name: [values]}};\n"
    "                   json: one array of those; csv: a block per table;\n"
    "                   table: aligned text (default on a terminal);\n"
    "                   arrow: each table as an Arrow IPC stream (schema with\n"
    "                   metadata mloda.group and mloda.batch, one record batch),\n"
    "                   the streams one after another\n"
    "  --threads N      worker threads (0 = one per core, 1 = no pool)\n"
    "  --batch-timeout S  stop a batch that runs longer than S seconds (fractions\n"
    "                   allowed; default: no limit); it fails naming the feature\n"
    "  --max-output-cells N  rows x columns a batch may compute (default 100000000)\n"
    "  --max-categories N    columns a one-hot encoding may make (default 10000)\n"
    "  --max-horizon N       rows a forecast may append (default 10000000)\n";

static const char stream_help[] =
    "usage: mloda stream --request FILE --batches SOURCE [--format F] [--threads N]\n"
    "                    [--on-error stop|skip] [--watch [--watch-timeout S] [--record FILE]]\n"
    "                    [--table NAME --batch-rows N [--sql QUERY]]\n"
    "                    [--batches-format ndjson|arrow [--table NAME]]\n"
    "                    [--group G [--consumer NAME] [--from 0|$] [--output TARGET]\n"
    "                     [--dead-letter URL] [--claim-after S] [--claim-interval S]\n"
    "                     [--max-deliveries N] [--max-in-flight N] [--stats S]]\n"
    "                    [--batch-timeout S] [--max-...] [--data-root DIR] [--max-*-bytes N]\n"
    "\n"
    "Prepares the request once (its api_data is the example that fixes every column's\n"
    "type), then computes each micro-batch and writes every result table as soon as it\n"
    "is ready, with \"batch\": i (0-based).\n"
    "\n"
    "  --batches SOURCE  an NDJSON file or - (stdin): one api_data object per line;\n"
    "                    a directory: its *.json (one batch each) and *.ndjson files in\n"
    "                    name order; a .csv file (with --table, --batch-rows);\n"
    "                    a SQLite database (with --sql, --table, --batch-rows)\n"
    "  --on-error MODE   stop (default): a failed batch ends the command (exit 1);\n"
    "                    skip: write {\"batch\": i, \"error\": {...}} and go on\n"
    "  --watch           with a directory: keep waiting for new files (inotify)\n"
    "  --watch-timeout S stop watching after S seconds without a new file\n"
    "  --record FILE     processed-files record (default DIR/.mloda-processed with\n"
    "                    --watch): files listed there are skipped, finished ones added\n"
    "  --batches-format F  ndjson (default; also .json, .csv and SQLite as above) or\n"
    "                    arrow: SOURCE (a file, - or a directory of *.arrows / *.arrow\n"
    "                    files) holds Arrow IPC streams; each record batch is one\n"
    "                    micro-batch of the table --table names\n"
    "  --table NAME      the api_data table that CSV, SQL or Arrow rows fill (default:\n"
    "                    the request's only table)\n"
    "  --batch-rows N    rows per batch for CSV and SQL sources (default 1000)\n"
    "  --sql QUERY       SELECT to run on the SQLite database SOURCE\n"
    "  --format, --threads, --batch-timeout, --max-output-cells, --max-categories,\n"
    "  --max-horizon     as for mloda run (the timeout and limits hold per batch)\n"
    "\n"
    "Batch columns must have the prepared types; an int64 column feeding a float64 one\n"
    "is widened and a column of nulls takes the prepared type.\n"
    "\n"
    "Workers over Redis Streams (README, \"Scale-out with Redis Streams\"):\n"
    "  --batches redis://[[USER]:PASSWORD@]HOST[:PORT]/STREAM --group G [--consumer NAME]\n"
    "                    read through consumer group G (XREADGROUP); an entry's field\n"
    "                    \"batch\" holds one api_data object (mloda produce writes them)\n"
    "  --consumer NAME   this worker's name in the group (default HOST-PID); a restart\n"
    "                    under the same name takes up its own pending entries first\n"
    "  --from 0|$        create the group (and stream) when missing, at the first entry\n"
    "                    (0) or at new entries only ($); without it, a missing group is\n"
    "                    an error\n"
    "  --output TARGET   - (default: stdout, as above) or redis://HOST:PORT/OUT: each\n"
    "                    batch's tables written to OUT with the input's XACK in one\n"
    "                    script: exactly once per input entry\n"
    "  --dead-letter URL stream for failed batches, with their error (default\n"
    "                    STREAM:dead on the same server)\n"
    "  --claim-after S   take over entries idle for S seconds in stopped workers\n"
    "                    (XAUTOCLAIM; default 10)\n"
    "  --claim-interval S  look for such entries every S seconds (default 5)\n"
    "  --max-deliveries N  an entry handed out more than N times goes to the dead-letter\n"
    "                    stream (default 5)\n"
    "  --max-in-flight N entries taken and not yet settled, at most (default 16)\n"
    "  --stats S         a stats line on stderr every S seconds and at the end\n"
    "  --watch-timeout S end after S seconds without an entry, once nothing is pending\n"
    "SIGTERM or SIGINT: the entries in hand are finished and settled, then exit 0.\n";

static const char input_help[] =
    "\n"
    "What may be read (see README, \"Limits and safety\"):\n"
    "  --data-root DIR        files of the request's \"data_access\" must lie inside DIR\n"
    "                         (relative paths start there; links and .. that lead out,\n"
    "                         FIFOs and devices are refused)\n"
    "  --max-request-bytes N  largest request (default 256M)\n"
    "  --max-line-bytes N     longest NDJSON line: a batch, a data-source row (256M)\n"
    "  --max-field-bytes N    longest CSV field (16M)\n"
    "  --max-header-bytes N   longest CSV header line (16M)\n"
    "                         N: bytes, with K, M or G; none: no cap\n";

static const char produce_help[] =
    "usage: mloda produce --to redis://[[USER]:PASSWORD@]HOST[:PORT]/STREAM [--maxlen N]\n"
    "                     [--max-line-bytes N] FILE|-\n"
    "\n"
    "Adds every non-blank line of FILE (- reads stdin) to STREAM as an entry whose field\n"
    "\"batch\" is the line: one api_data object, as mloda stream reads it. A line that is\n"
    "not one JSON object is refused with a warning naming it (the rest go on; exit 1).\n"
    "\n"
    "  --to URL            the stream (created by the first entry)\n"
    "  --maxlen N          trim the stream to about N entries (XADD MAXLEN ~ N); entries\n"
    "                      trimmed before a worker took them are lost: keep N above the\n"
    "                      backlog\n"
    "  --max-line-bytes N  longest line (default 256M)\n";

static const char explain_help[] =
    "usage: mloda explain --request FILE [--format text|json] [--data-root DIR]\n"
    "                     [--max-*-bytes N]\n"
    "\n"
    "Plans the request and prints the plan: one entry per step with its feature group,\n"
    "features (requested or only needed by others), parent steps and data source.\n";

static const char groups_help[] =
    "usage: mloda groups [--search WORD] [--format text|json]\n"
    "\n"
    "Lists every registered feature group: description, name patterns, options, example.\n"
    "  --search WORD   only the groups that mention WORD (any case)\n";

static const char serve_help[] =
    "usage: mloda serve --request NAME=FILE [--request NAME2=FILE2 ...] [--listen HOST:PORT]\n"
    "                   [--threads N] [--max-running N] [--queue N] [--max-body BYTES]\n"
    "                   [--max-connections N]"
    " [--timeout S] [--token-file FILE] [--quiet]\n"
    "                   [--data-root DIR] [--max-request-bytes N] [--max-line-bytes N]\n"
    "                   [--max-field-bytes N] [--max-header-bytes N]\n"
    "\n"
    "Prepares every request once, then serves them over HTTP until SIGTERM or SIGINT\n"
    "(in-flight requests finish; a second signal stops at once; exit 0).\n"
    "\n"
    "  --request NAME=FILE  a request file served as NAME (FILE alone: named after the file)\n"
    "  --listen HOST:PORT   default 127.0.0.1:8080 (loopback); port 0 picks a free one\n"
    "  --threads N          the engine's thread pool, shared by every request (0 = one per\n"
    "                       core)\n"
    "  --max-running N      requests computing at once (default 4 per pool thread, at\n"
    "                       least 16)\n"
    "  --queue N            requests that may wait for a compute slot (default 64; beyond:\n"
    "                       503)\n"
    "  --max-body BYTES     largest request body (default 16 MiB; beyond: 413)\n"
    "  --max-connections N  open connections served (default 256; beyond: 503)\n"
    "  --timeout S          idle connections close, a request must arrive whole (else 408),\n"
    "                       a stalled reader is dropped, after S seconds (default 10)\n"
    "  --token-file FILE    require Authorization: Bearer <the file's first line> (or\n"
    "                       ?access_token=) on every endpoint but / and /healthz\n"
    "  --quiet              no log line per request on stderr\n"
    "  --data-root DIR      files a request's data_access may read: only below DIR (paths\n"
    "                       relative to it); default: each request file's own directory\n"
    "  --max-*-bytes N      the request reader's caps, as for mloda run\n"
    "\n"
    "endpoints:\n"
    "  POST /v1/run/NAME    one api_data batch -> {\"tables\": [...]}; Accept:\n"
    "                       application/x-ndjson or text/event-stream: each table as its\n"
    "                       group completes\n"
    "  POST /v1/feed/NAME   computes a batch and pushes its tables to the feed's subscribers\n"
    "  GET  /v1/feed/NAME   server-sent events: one per result table, with batch and timing\n"
    "  GET  /               the dashboard; GET /healthz; GET /metrics (Prometheus);\n"
    "  GET  /v1/requests    served requests, features, inputs and plans; POST /v1/noop\n";

void cli_print_help(FILE *fp, const char *cmd)
{
    const char *text = program_help;
    if (cmd != NULL && strcmp(cmd, "run") == 0)
        text = run_help;
    else if (cmd != NULL && strcmp(cmd, "stream") == 0)
        text = stream_help;
    else if (cmd != NULL && strcmp(cmd, "explain") == 0)
        text = explain_help;
    else if (cmd != NULL && strcmp(cmd, "groups") == 0)
        text = groups_help;
    else if (cmd != NULL && strcmp(cmd, "serve") == 0)
        text = serve_help;
    else if (cmd != NULL && strcmp(cmd, "produce") == 0)
        text = produce_help;
    (void)fputs(text, fp);
    if (text == run_help || text == stream_help || text == explain_help)
        (void)fputs(input_help, fp);
}
