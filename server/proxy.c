/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "proxy.h"
int proxy_client(const struct acl *t, const struct acl_addr *p, const char *f, const char *x, struct acl_addr *r, char *e, size_t l) { (void)t; (void)f; (void)x; (void)e; (void)l; *r = *p; return 0; }
