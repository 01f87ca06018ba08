/* SPDX-License-Identifier: MIT */
/* The command line. */
#ifndef CERTPOST_OPTIONS_H
#define CERTPOST_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct options {
	const char *config;
	bool demo;
	bool check;
	bool check_trust;
	bool debug;
	const char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	const char *https_listen[CONFIG_MAX_LISTEN];
	size_t nhttps_listen;
};

/* Parses argv into o (zeroed by the caller). --help and --version print
 * and exit 0; a usage error prints why and exits 2. */
void options_parse(int argc, char **argv, struct options *o);

#endif
