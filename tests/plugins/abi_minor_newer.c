/* A plugin built against a newer SDK of the same major (ABI 1.99): it may use host services this
   runner lacks, so the runner must refuse it. */
#include <loads/abi.h>

static const loads_class_v1 newer_class = {sizeof(loads_class_v1), {"Newer", 5}, 0, 0, 0, 0};
static const loads_test_v1 newer_test = {sizeof(loads_test_v1), LOADS_ABI_MAJOR, 99,
                                         &newer_class,          {"test_x", 6},   0};

__attribute__((visibility("default"), used, section(LOADS_TEST_SECTION)))
const loads_test_v1* const loads_t__Newer__test_x = &newer_test;
