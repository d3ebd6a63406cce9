/* A plugin as a future SDK (ABI major 2) would emit it: plain C, one test descriptor whose
   version the runner must refuse before calling anything in it. */
#include <loads/abi.h>

static const loads_class_v1 future_class = {sizeof(loads_class_v1), {"Future", 6}, 0, 0, 0, 0};
static const loads_test_v1 future_test = {sizeof(loads_test_v1), 2, 0, &future_class, {"test_x", 6}, 0};

__attribute__((visibility("default"), used, section(LOADS_TEST_SECTION)))
const loads_test_v1* const loads_t__Future__test_x = &future_test;
