/*
 * cmd_groups.c: `mloda groups [--search WORD] [--format text|json]`: every registered
 * feature group with its description, name patterns, options and example. --search keeps
 * the groups where WORD appears (any case) in any of those fields.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <string.h>

static bool contains_word(const char *field, const char *word)
{
    if (field == NULL)
        return false;
    const size_t lw = strlen(word);
    for (const char *p = field; *p != '\0'; p++) {
        size_t k = 0;
        while (k < lw && p[k] != '\0' &&
               tolower((unsigned char)p[k]) == tolower((unsigned char)word[k]))
            k++;
        if (k == lw)
            return true;
    }
    return false;
}

static bool matches(const mloda_feature_group *g, const char *word)
{
    return word == NULL || contains_word(g->name, word) || contains_word(g->description, word) ||
           contains_word(g->patterns, word) || contains_word(g->options_doc, word) ||
           contains_word(g->example, word);
}

/* Prints each line of a multi-line field indented under its label. */
static mloda_status put_lines(mloda_buf *b, const char *label, const char *text,
                              mloda_error *err)
{
    if (text == NULL || text[0] == '\0')
        return MLODA_OK;
    MLODA_TRY(mloda_buf_printf(b, err, "  %s:\n", label));
    const char *p = text;
    while (*p != '\0') {
        const size_t n = strcspn(p, "\n");
        if (n > 0)
            MLODA_TRY(mloda_buf_printf(b, err, "    %.*s\n", (int)n, p));
        p += n + (p[n] == '\n');
    }
    return MLODA_OK;
}

static mloda_status put_text(mloda_buf *b, const mloda_feature_group *g, mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(b, err, "%s", g->name));
    if (g->version != NULL && g->version[0] != '\0')
        MLODA_TRY(mloda_buf_printf(b, err, " (version %s)", g->version));
    MLODA_TRY(mloda_buf_putc(b, '\n', err));
    if (g->description != NULL && g->description[0] != '\0')
        MLODA_TRY(mloda_buf_printf(b, err, "  %s\n", g->description));
    MLODA_TRY(put_lines(b, "patterns", g->patterns, err));
    MLODA_TRY(put_lines(b, "options", g->options_doc, err));
    if (g->example != NULL && g->example[0] != '\0')
        MLODA_TRY(mloda_buf_printf(b, err, "  example: %s\n", g->example));
    return MLODA_OK;
}

static mloda_status put_json_field(mloda_buf *b, const char *key, const char *value,
                                   mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(b, err, ", \"%s\": ", key));
    if (value == NULL)
        return mloda_buf_puts(b, "null", err);
    return mloda_buf_json_string(b, value, strlen(value), err);
}

/* Multi-line fields become arrays of lines. */
static mloda_status put_json_lines(mloda_buf *b, const char *key, const char *text,
                                   mloda_error *err)
{
    MLODA_TRY(mloda_buf_printf(b, err, ", \"%s\": [", key));
    const char *p = text != NULL ? text : "";
    bool first = true;
    while (*p != '\0') {
        const size_t n = strcspn(p, "\n");
        if (n > 0) {
            MLODA_TRY(mloda_buf_puts(b, first ? "" : ", ", err));
            MLODA_TRY(mloda_buf_json_string(b, p, n, err));
            first = false;
        }
        p += n + (p[n] == '\n');
    }
    return mloda_buf_putc(b, ']', err);
}

static mloda_status put_json(mloda_buf *b, const mloda_feature_group *g, mloda_error *err)
{
    MLODA_TRY(mloda_buf_puts(b, "{\"name\": ", err));
    MLODA_TRY(mloda_buf_json_string(b, g->name, strlen(g->name), err));
    MLODA_TRY(put_json_field(b, "version", g->version, err));
    MLODA_TRY(put_json_field(b, "description", g->description, err));
    MLODA_TRY(put_json_lines(b, "patterns", g->patterns, err));
    MLODA_TRY(put_json_lines(b, "options", g->options_doc, err));
    MLODA_TRY(put_json_field(b, "example", g->example, err));
    return mloda_buf_puts(b, "}\n", err);
}

static int list_groups(const mloda_registry *reg, const char *word, bool json)
{
    mloda_buf b = {0};
    mloda_error err = MLODA_ERROR_INIT;
    mloda_status st = MLODA_OK;
    int64_t shown = 0;
    for (int64_t i = 0; st == MLODA_OK && i < mloda_registry_n_groups(reg); i++) {
        const mloda_feature_group *g = mloda_registry_group(reg, i);
        if (!matches(g, word))
            continue;
        if (!json && shown > 0)
            st = mloda_buf_putc(&b, '\n', &err);
        if (st == MLODA_OK)
            st = json ? put_json(&b, g, &err) : put_text(&b, g, &err);
        shown++;
    }
    int code = CLI_EXIT_OK;
    if (st != MLODA_OK) {
        cli_report(NULL, &err);
        code = cli_exit_code(st, CLI_EXIT_INTERNAL);
    } else if ((b.len > 0 && fwrite(b.data, 1, b.len, stdout) != b.len) || fflush(stdout) != 0) {
        (void)fprintf(stderr, "mloda: cannot write the output\n");
        code = CLI_EXIT_IO;
    } else if (shown == 0 && word != NULL) {
        cli_eprintf("mloda: note: no feature group mentions '%s'\n", word);
    }
    mloda_buf_reset(&b);
    return code;
}

int cli_cmd_groups(int argc, char **argv)
{
    const char *search = NULL, *format_text = NULL;
    const cli_arg args[] = {
        {"--search", "WORD", &search, NULL},
        {"--format", "text|json", &format_text, NULL},
    };
    const int rc = cli_parse_args("groups", argc, argv, args, sizeof args / sizeof args[0]);
    if (rc != CLI_EXIT_OK)
        return rc < 0 ? CLI_EXIT_OK : rc;
    bool json = false;
    if (format_text != NULL && strcmp(format_text, "json") == 0)
        json = true;
    else if (format_text != NULL && strcmp(format_text, "text") != 0)
        return cli_usage_error("groups", "--format must be text or json, not '%s'", format_text);
    mloda_registry *reg = mloda_registry_default();
    if (reg == NULL) {
        (void)fprintf(stderr, "mloda: out of memory\n");
        return CLI_EXIT_INTERNAL;
    }
    const int code = list_groups(reg, search, json);
    mloda_registry_free(reg);
    return code;
}
