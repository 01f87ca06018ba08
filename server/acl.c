/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "acl.h"
#include <string.h>
int acl_addr_parse(const char *t, struct acl_addr *r, char *e, size_t l) { (void)t; (void)r; (void)e; (void)l; return -1; }
int acl_addr_from_sockaddr(const struct sockaddr *sa, struct acl_addr *r) { (void)sa; (void)r; return -1; }
void acl_addr_format(const struct acl_addr *a, char *d, size_t l) { (void)a; if (l) d[0] = 0; }
int acl_entry_parse(const char *t, struct acl_entry *r, char *e, size_t l) { (void)t; (void)r; (void)e; (void)l; return -1; }
void acl_entry_format(const struct acl_entry *a, char *d, size_t l) { (void)a; if (l) d[0] = 0; }
int acl_add(struct acl *a, const char *t, char *e, size_t l) { (void)a; (void)t; (void)e; (void)l; return -1; }
bool acl_entry_match(const struct acl_entry *e, const struct acl_addr *a) { (void)e; (void)a; return false; }
bool acl_match(const struct acl *acl, const struct acl_addr *a) { (void)acl; (void)a; return false; }
bool acl_entry_is_private(const struct acl_entry *e) { (void)e; return false; }
bool acl_addr_is_private(const struct acl_addr *a) { (void)a; return false; }
bool acl_addr_is_unspecified(const struct acl_addr *a) { (void)a; return false; }
