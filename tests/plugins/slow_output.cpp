// An output that takes its time over every hit, for the test that a slow output delays only
// itself: the load goes on at full speed and the output still gets every event in the end.
#include <chrono>
#include <string>
#include <thread>

#include <loads/output.hpp>

class SlowOutput : public loads::Output {
public:
    explicit SlowOutput(const loads::OutputOptions& options)
        : m_path(options.string("filename")), m_delay(options.number("delay")) {}

    void event(const loads_event& e) override {
        if (e.kind == LOADS_EVENT_HIT) {
            ++m_hits;
            std::this_thread::sleep_for(std::chrono::duration<double>(m_delay));
        }
    }

    void finish(const loads_snapshot& s) override {
        loads::write_file(m_path, "hit_events=" + std::to_string(m_hits) +
                                      " hits=" + std::to_string(s.total->hits) +
                                      " elapsed=" + std::to_string(s.elapsed) + "\n");
    }

private:
    std::string m_path;
    double m_delay;
    unsigned long m_hits = 0;
};

constexpr loads_option_v1 k_slow_options[] = {
    loads::option("filename", "where the counts go", LOADS_OPTION_STRING, "slow.txt"),
    loads::option("delay", "seconds spent on each hit event", LOADS_OPTION_FLOAT, "0.05"),
};

LOADS_OUTPUT(SlowOutput, slowcount, "counts hit events, slowly", 1u << LOADS_EVENT_HIT, k_slow_options)
