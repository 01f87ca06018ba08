/* SPDX-License-Identifier: MIT */
#include "catalog.h"
