/*
 * tools/ionsim/main.c - the `ionsim` command: one binary, several
 * subcommands, git-style (`ionsim run FILE...`, `ionsim gen ...`).
 *
 * main() only picks the subcommand and hands it the rest of the command
 * line, its own name first, so each subcommand parses its options with
 * getopt_long as if it were a program of its own.  `ionsim --help`,
 * `ionsim help [CMD]` and `ionsim --version` are answered here.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tools/ionsim/tool.h"

struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};


static const struct subcommand subcommands[] = {
	{ "run", cmd_run,
	  "replay scenario files: findings, leak report, heap figures" },
	{ "explore", cmd_explore,
	  "visit every schedule of a scenario: counterexamples" },
	{ "gen", cmd_gen,
	  "generate scenario files (synthetic traces)" },
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	size_t i;

	fputs("usage: ionsim COMMAND [OPTION...] [ARG...]\n"
	      "       ionsim --help | --version\n"
	      "\n"
	      "ionsim simulates Android's ION allocator in userspace: a machine,\n"
	      "its heaps and processes, and ION's clients, handles, buffers and\n"
	      "dma-bufs, driven by scenario files (.ion).\n"
	      "\n"
	      "Commands:\n", out);
	for (i = 0; i < NSUBCOMMANDS; i++)
		fprintf(out, "  %-7s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  -h, --help     print this help and exit\n"
	      "  -V, --version  print \"ionsim " IONSIM_VERSION "\" and exit\n"
	      "\n"
	      "`ionsim help COMMAND` is `ionsim COMMAND --help`.\n"
	      "\n"
	      "Exit status: 0 when nothing was found, 1 when something was\n"
	      "(a failed expectation, an audit violation, a leak), 2 on bad\n"
	      "input (a bad option, an unreadable or malformed file).\n", out);
}

static const struct subcommand *find_subcommand(const char *name)
{
	size_t i;

	for (i = 0; i < NSUBCOMMANDS; i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	return NULL;
}

/* `ionsim help [CMD]`. */
static int help(int argc, char **argv)
{
	static char opt_help[] = "--help";
	const struct subcommand *cmd;
	char *sub_argv[3];

	if (argc < 2) {
		usage(stdout);
		return TOOL_OK;
	}
	cmd = find_subcommand(argv[1]);
	if (!cmd) {
		fprintf(stderr, "ionsim: help: unknown command '%s'\n",
			argv[1]);
		return TOOL_BAD_INPUT;
	}
	sub_argv[0] = argv[1];
	sub_argv[1] = opt_help;
	sub_argv[2] = NULL;
	return cmd->fn(2, sub_argv);
}

/* `ionsim COMMAND [ARG...]`: the subcommand's exit status (enum
 * tool_status), or 2 when no known command was named. */
int tool_bad_usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "ionsim %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (ionsim %s --help)\n", cmd);
	return TOOL_BAD_INPUT;
}

int tool_bad_option(const char *cmd, int c, char **argv, int first_long)
{
	char opt[3] = { '-', (char)optopt, '\0' };
	/* optopt holds a short option's letter, but a long option's value
	 * (or 0): those are named by the word the user typed. */
	const char *what = optopt > 0 && optopt < first_long ? opt :
			   argv[optind - 1];

	if (c == ':')
		return tool_bad_usage(cmd, "option '%s' needs an argument",
				      what);
	return tool_bad_usage(cmd, "unknown option '%s'", what);
}

int main(int argc, char **argv)
{
	const struct subcommand *cmd;

	if (argc < 2) {
		usage(stderr);
		return TOOL_BAD_INPUT;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return TOOL_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		puts("ionsim " IONSIM_VERSION);
		return TOOL_OK;
	}
	if (strcmp(argv[1], "help") == 0)
		return help(argc - 1, argv + 1);
	cmd = find_subcommand(argv[1]);
	if (!cmd) {
		fprintf(stderr, "ionsim: unknown command '%s' "
			"(ionsim --help lists them)\n", argv[1]);
		return TOOL_BAD_INPUT;
	}
	return cmd->fn(argc - 1, argv + 1);
}
