/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "profile.h"
int profile_build(const struct profile_opts *o, const struct cert *const *c, size_t n, struct buf *out, char *e, size_t l) { (void)o; (void)c; (void)n; (void)e; (void)l; return buf_puts(out, "<plist/>"); }
int profile_sign(const void *d, size_t len, const struct cert *s, EVP_PKEY *k, const struct cert *ch, size_t nch, unsigned char **r, size_t *rl, char *e, size_t l) { (void)d; (void)len; (void)s; (void)k; (void)ch; (void)nch; (void)r; (void)rl; (void)e; (void)l; return -1; }
