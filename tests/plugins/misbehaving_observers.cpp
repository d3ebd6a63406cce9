// Observers that misbehave, one per build of this file (MISBEHAVIOUR picks which): `crasher`
// aborts (SIGABRT: the sanitizer builds let it through, unlike SIGSEGV), `sleepy` ignores its deadline. The
// host must report each in one line, on time, and carry on.
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <loads/observer.hpp>

namespace {

class Misbehaving : public loads::Observer {
public:
    explicit Misbehaving(const loads::ObserverOptions&) {}
    std::string notify(const loads_run_summary&) override {
#if MISBEHAVIOUR == 1
        std::abort();
#else
        std::this_thread::sleep_for(std::chrono::minutes(5));
#endif
        return "should not get here";
    }
};

}  // namespace

#if MISBEHAVIOUR == 1
LOADS_OBSERVER(Misbehaving, crasher, "crashes (tests)")
#else
LOADS_OBSERVER(Misbehaving, sleepy, "never answers (tests)")
#endif
