/* SPDX-License-Identifier: MIT */
/* stub, replaced by the module's real implementation */
#include "demo.h"
int demo_generate(struct demo *d, char *e, size_t l) { (void)d; (void)e; (void)l; return -1; }
void demo_finish(struct demo *d) { (void)d; }
