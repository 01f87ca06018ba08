/* SPDX-License-Identifier: MIT */
/* The command line: getopt_long, usage, and what excludes what. */
#include "config/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "build_config.h"

#define DEFAULT_CONFIG CERTPOST_SYSCONFDIR "/certpost.conf"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: certpost [--config FILE | --demo] [--listen "
		"ADDR:PORT]...\n"
		"                [--https-listen ADDR:PORT]... [--debug]\n"
		"       certpost [--config FILE | --demo] --check-config\n"
		"       certpost [--config FILE] --check-trust\n"
		"       certpost [--config FILE] --check-urls CERT...\n"
		"       certpost --version | --help\n"
		"\n"
		"Serves the organisation's root CA certificate(s) and install\n"
		"instructions to the devices on its own network.\n"
		"\n"
		"  -c, --config FILE     configuration file (default %s)\n"
		"      --demo            run the built-in demo: a throwaway "
		"root CA\n"
		"                        on http://127.0.0.1:8080/, loopback "
		"only\n"
		"  -l, --listen ADDR:PORT  listen here instead of the "
		"configured\n"
		"                        addresses (repeatable; [::1]:8080 for "
		"IPv6)\n"
		"      --https-listen ADDR:PORT  the same for the HTTPS "
		"listeners\n"
		"  -t, --check-config    load everything, print a summary, "
		"exit 0/1\n"
		"      --check-trust     connect to each trust-check URL and "
		"say whether\n"
		"                        an iPhone would trust its "
		"certificate, exit 0/1\n"
		"      --check-urls CERT...  list the CDP and AIA URLs of "
		"these\n"
		"                        certificates and what is served at "
		"each, exit 0/1\n"
		"  -d, --debug           log debugging messages\n"
		"  -V, --version         print the version and exit\n"
		"  -h, --help            print this help and exit\n"
		"\n"
		"Signals: HUP reloads the configuration and every file, USR1\n"
		"reopens the log file, TERM and INT stop after requests in "
		"flight.\n",
		DEFAULT_CONFIG);
}

static __attribute__((noreturn)) void
usage_error(const char *why)
{
	fprintf(stderr, "certpost: %s\n", why);
	usage(stderr);
	exit(2);
}

void
options_parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"demo", no_argument, NULL, 'D'},
		{"listen", required_argument, NULL, 'l'},
		{"https-listen", required_argument, NULL, 'S'},
		{"check-config", no_argument, NULL, 't'},
		{"check-trust", no_argument, NULL, 'T'},
		{"check-urls", no_argument, NULL, 'U'},
		{"debug", no_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:l:tdVh", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'D': o->demo = true; break;
		case 't': o->check = true; break;
		case 'T': o->check_trust = true; break;
		case 'U': o->check_urls = true; break;
		case 'd': o->debug = true; break;
		case 'l':
			if (o->nlisten >= CONFIG_MAX_LISTEN)
				usage_error("too many --listen options");
			o->listen[o->nlisten++] = optarg;
			break;
		case 'S':
			if (o->nhttps_listen >= CONFIG_MAX_LISTEN)
				usage_error("too many --https-listen options");
			o->https_listen[o->nhttps_listen++] = optarg;
			break;
		case 'V': printf("certpost %s\n", CERTPOST_VERSION); exit(0);
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->check_urls) {
		if (optind == argc)
			usage_error("--check-urls needs certificate files");
		o->files = argv + optind;
		o->nfiles = (size_t)(argc - optind);
	} else if (optind < argc) {
		fprintf(stderr, "certpost: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (o->demo && o->config != NULL)
		usage_error("--demo and --config exclude each other");
	if (!o->demo && o->config == NULL)
		o->config = DEFAULT_CONFIG;
}
