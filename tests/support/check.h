/* SPDX-License-Identifier: MIT */
/* Assertions on text that the unit and integration tests share. */
#ifndef CERTPOST_CHECK_H
#define CERTPOST_CHECK_H

#include <stddef.h>

/* How often needle (not empty) occurs in the C string s, not overlapping;
 * 0 for a NULL s. */
size_t count_str(const char *s, const char *needle);
/* The same in the len bytes at p. */
size_t count_mem(const void *p, size_t len, const char *needle);
/* Fails the running test unless hay holds needle; what names hay in the
 * message, which prints hay. */
void assert_contains(const char *hay, const char *needle, const char *what);

#endif
