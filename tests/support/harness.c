/* stub */
#include "harness.h"
