// StdoutOutput: the default output — a live progress bar while stdout is a terminal, then the
// summary on stdout and the failure/error digest on stderr.
#pragma once

#include "output.hpp"

namespace loads::outputs {

class StdoutOutput final : public loads::host::Output {
public:
    explicit StdoutOutput(bool terminal) : m_terminal(terminal) {}
    void on_progress(double fraction) override;
    void on_finish(const loads::host::RunReport& report) override;

private:
    bool m_terminal;
    int m_last_percent = -1;
};

}  // namespace loads::outputs

namespace loads::host {
using loads::outputs::StdoutOutput;
}
