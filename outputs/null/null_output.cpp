// The null output: ignores everything (with --quiet, a run that prints nothing at all).
#include <loads/output.hpp>

namespace {

class NullOutput final : public loads::Output {
public:
    explicit NullOutput(const loads::OutputOptions&) {}
    void finish(const loads_snapshot&) override {}
};

}  // namespace

LOADS_OUTPUT(NullOutput, null, "ignores everything", 0)
