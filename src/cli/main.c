/*
 * main.c: the `mloda` command: picks the subcommand and returns its exit code.
 * The command is the library's first client and uses only the public API
 * (include/mloda/) plus the formats layer (src/io/).
 */
#include "cli/cli.h"

#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", cli_cmd_run},
    {"stream", cli_cmd_stream},
    {"explain", cli_cmd_explain},
    {"groups", cli_cmd_groups},
    {"serve", cli_cmd_serve},
    {"produce", cli_cmd_produce},
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_help(stderr, NULL);
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        cli_print_help(stdout, argc > 2 && strcmp(name, "help") == 0 ? argv[2] : NULL);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        return printf("mloda %s\n", mloda_version()) < 0 ? CLI_EXIT_IO : CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s' (commands: run, stream, explain, groups, serve, "
                           "produce)",
                           name);
}
