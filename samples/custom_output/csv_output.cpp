// csv: a third-party output plugin, built out of tree against the installed loads SDK.
// It writes one CSV row per refresh interval (about a second) — the load over time, ready for
// a spreadsheet or gnuplot — and a last row for the end of the run.
#include <cstdio>
#include <string>

#include <loads/output.hpp>

class CsvOutput : public loads::Output {
public:
    explicit CsvOutput(const loads::OutputOptions& options) : m_path(options.string("filename")) {
        m_file = loads::open_file(m_path);  // an unwritable path stops the runner before the run
        std::fputs("elapsed_s,requests_per_s,p50_ms,p95_ms,p99_ms,failures,errors,total_hits\n", m_file);
    }
    ~CsvOutput() override {
        if (m_file != nullptr && m_file != stdout) {
            std::fclose(m_file);
        }
    }

    void refresh(const loads_snapshot& s) override { row(s); }

    void finish(const loads_snapshot& s) override {
        row(s);
        std::FILE* f = m_file;
        m_file = nullptr;
        loads::close_file(f, m_path);
    }

private:
    void row(const loads_snapshot& s) {
        const loads_stats& i = *s.interval;
        const double seconds = s.interval_end - s.interval_start;
        std::fprintf(m_file, "%.3f,%.1f,%.3f,%.3f,%.3f,%llu,%llu,%llu\n", s.elapsed,
                     seconds > 0 ? double(i.hits) / seconds : 0.0, i.latency.p50_us / 1000.0,
                     i.latency.p95_us / 1000.0, i.latency.p99_us / 1000.0,
                     static_cast<unsigned long long>(i.failures), static_cast<unsigned long long>(i.errors),
                     static_cast<unsigned long long>(s.total->hits));
    }

    std::string m_path;
    std::FILE* m_file = nullptr;
};

constexpr loads_option_v1 k_csv_options[] = {
    loads::option("filename", "CSV file written with one row per second", LOADS_OPTION_STRING, "loads.csv"),
};

LOADS_OUTPUT(CsvOutput, csv, "the load over time as CSV, one row per second (a sample third-party output)", 0,
             k_csv_options)
