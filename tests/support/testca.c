/* stub */
#include "testca.h"
