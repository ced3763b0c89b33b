/*
 * args.c: command-line options of the subcommands: "--name value", "--name=value" and
 * flags, each at most once; no positional arguments. Problems print a one-line usage
 * error naming the option (with the closest valid one for a typo) and give exit code 2.
 */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(text, sizeof text, fmt, ap); /* may quote argv: escaped when printed */
    va_end(ap);
    cli_eprintf("mloda%s%s: %s\n", cmd != NULL ? " " : "", cmd != NULL ? cmd : "", text);
    (void)fprintf(stderr, "(see: mloda%s%s --help)\n", cmd != NULL ? " " : "",
                  cmd != NULL ? cmd : "");
    return CLI_EXIT_USAGE;
}

/* Number of leading characters two option names share: a cheap "did you mean". */
static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] != '\0' && a[n] == b[n])
        n++;
    return n;
}

static const cli_arg *closest(const char *name, const cli_arg *args, size_t n)
{
    const cli_arg *best = NULL;
    size_t best_len = 3; /* more than "--" plus one letter */
    for (size_t i = 0; i < n; i++) {
        const size_t len = common_prefix(name, args[i].name);
        if (len > best_len) {
            best = &args[i];
            best_len = len;
        }
    }
    return best;
}

static const cli_arg *find_arg(const char *name, size_t name_len, const cli_arg *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(args[i].name) == name_len && strncmp(args[i].name, name, name_len) == 0)
            return &args[i];
    return NULL;
}

static int unknown_option(const char *cmd, const char *arg, const cli_arg *args, size_t n)
{
    if (arg[0] != '-')
        return cli_usage_error(cmd, "unexpected argument '%s' (options start with --)", arg);
    const cli_arg *near = closest(arg, args, n);
    if (near != NULL)
        return cli_usage_error(cmd, "unknown option '%s' (did you mean %s?)", arg, near->name);
    return cli_usage_error(cmd, "unknown option '%s'", arg);
}

int cli_parse_args(const char *cmd, int argc, char **argv, const cli_arg *args, size_t n)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cli_print_help(stdout, cmd);
            return -1;
        }
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        const size_t name_len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
        const cli_arg *a = find_arg(arg, name_len, args, n);
        if (a == NULL)
            return unknown_option(cmd, arg, args, n);
        if (a->metavar == NULL) {
            if (eq != NULL)
                return cli_usage_error(cmd, "%s takes no value", a->name);
            if (*a->flag)
                return cli_usage_error(cmd, "%s is given twice", a->name);
            *a->flag = true;
            continue;
        }
        if (*a->value != NULL)
            return cli_usage_error(cmd, "%s is given twice", a->name);
        if (eq != NULL) {
            *a->value = eq + 1;
        } else if (i + 1 < argc) {
            *a->value = argv[++i];
        } else {
            return cli_usage_error(cmd, "%s needs a value (%s %s)", a->name, a->name,
                                   a->metavar);
        }
        if ((*a->value)[0] == '\0')
            return cli_usage_error(cmd, "%s needs a non-empty value", a->name);
    }
    return CLI_EXIT_OK;
}

bool cli_parse_int(const char *cmd, const char *opt, const char *text, long long min,
                   long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    const long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        cli_usage_error(cmd, "%s must be a whole number from %lld to %lld, not '%s'", opt, min,
                        max, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_seconds(const char *cmd, const char *opt, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    const double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || v <= 0 || v > 1e6) {
        cli_usage_error(cmd, "%s must be a number of seconds above 0, not '%s'", opt, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_bytes(const char *cmd, const char *opt, const char *text, int64_t *out)
{
    if (strcmp(text, "none") == 0) {
        *out = -1;
        return true;
    }
    char *end = NULL;
    errno = 0;
    const long long v = strtoll(text, &end, 10);
    int shift = 0;
    if (end != NULL && end != text && end[0] != '\0' && end[1] == '\0')
        shift = end[0] == 'K' || end[0] == 'k'   ? 10
                : end[0] == 'M' || end[0] == 'm' ? 20
                : end[0] == 'G' || end[0] == 'g' ? 30
                                                 : -1;
    if (errno != 0 || end == text || shift < 0 || (shift == 0 && *end != '\0') || v < 1 ||
        v > (INT64_MAX >> shift)) {
        cli_usage_error(cmd, "%s must be a number of bytes >= 1 (with K, M or G for KiB, MiB, "
                             "GiB) or none, not '%s'",
                        opt, text);
        return false;
    }
    *out = (int64_t)v << shift;
    return true;
}

bool cli_input_options(const char *cmd, const cli_input *in, io_request_options *out)
{
    memset(out, 0, sizeof *out);
    if (in->data_root != NULL) {
        struct stat sb;
        if (stat(in->data_root, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_usage_error(cmd, "--data-root must name a directory, not '%s'", in->data_root);
            return false;
        }
        out->data_root = in->data_root;
    }
    io_limits *l = &out->limits;
    return (in->max_request == NULL ||
            cli_parse_bytes(cmd, "--max-request-bytes", in->max_request, &l->max_request_bytes)) &&
           (in->max_line == NULL ||
            cli_parse_bytes(cmd, "--max-line-bytes", in->max_line, &l->max_line_bytes)) &&
           (in->max_field == NULL ||
            cli_parse_bytes(cmd, "--max-field-bytes", in->max_field, &l->max_field_bytes)) &&
           (in->max_header == NULL ||
            cli_parse_bytes(cmd, "--max-header-bytes", in->max_header, &l->max_header_bytes));
}

bool cli_parse_settings(const char *cmd, const cli_settings_text *t, cli_settings *out)
{
    memset(out, 0, sizeof *out);
    out->threads = -1;
    long long v = 0;
    if (t->threads != NULL) {
        if (!cli_parse_int(cmd, "--threads", t->threads, 0, 1024, &v))
            return false;
        out->threads = v;
    }
    if (t->batch_timeout != NULL) {
        double secs = 0;
        if (!cli_parse_seconds(cmd, "--batch-timeout", t->batch_timeout, &secs))
            return false;
        out->batch_timeout_ms = secs * 1000.0 < 1.0 ? 1 : (int64_t)(secs * 1000.0 + 0.5);
    }
    const char *const names[3] = {"--max-output-cells", "--max-categories", "--max-horizon"};
    const char *const texts[3] = {t->max_output_cells, t->max_categories, t->max_horizon};
    for (int l = 0; l < 3; l++) {
        if (texts[l] == NULL)
            continue;
        if (!cli_parse_int(cmd, names[l], texts[l], 1, INT64_MAX, &v))
            return false;
        out->limits[l] = v;
    }
    return true;
}
