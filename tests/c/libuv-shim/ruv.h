/* Stands in for include/ruv.h when the tests are built against libuv. */
#include "uv_shim.h"
