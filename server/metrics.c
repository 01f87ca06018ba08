/* SPDX-License-Identifier: MIT */
#include "metrics.h"
