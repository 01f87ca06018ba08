/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "cert.h"
int cert_load_file(const char *p, struct cert **r, size_t *n, char *e, size_t l) { (void)p; (void)r; (void)n; (void)e; (void)l; return -1; }
int cert_load_mem(const void *d, size_t len, const char *nm, struct cert **r, size_t *n, char *e, size_t l) { (void)d; (void)len; (void)nm; (void)r; (void)n; (void)e; (void)l; return -1; }
void cert_list_free(struct cert *c, size_t n) { (void)c; (void)n; }
size_t cert_warnings(const struct cert *c, time_t now, char (*r)[CERT_WARN_LEN], size_t m) { (void)c; (void)now; (void)r; (void)m; return 0; }
int cert_p7b(const struct cert *const *c, size_t n, unsigned char **r, size_t *rl, char *e, size_t l) { (void)c; (void)n; (void)r; (void)rl; (void)e; (void)l; return -1; }
int cert_load_key(const char *p, EVP_PKEY **r, char *e, size_t l) { (void)p; (void)r; (void)e; (void)l; return -1; }
void cert_ssl_error(char *e, size_t l, const char *w) { (void)e; (void)l; (void)w; }
