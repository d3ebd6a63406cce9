#include "results/stats_codec.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace loads::host {
namespace {

// loads stats, format 3 (2 had no arrivals, dropped arrivals or service time; 1 no malformed_messages)
constexpr std::string_view k_magic = "LDS3";
constexpr std::size_t k_max_text = 1 << 20;  // one URL, message or counter name

class Writer {
public:
    void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
    void u32(std::uint32_t v) { little(v, 4); }
    void u64(std::uint64_t v) { little(v, 8); }
    void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
    void text(std::string_view s) {
        u32(static_cast<std::uint32_t>(s.size()));
        m_out.append(s);
    }
    void raw(std::string_view s) { m_out.append(s); }
    std::string take() { return std::move(m_out); }

private:
    void little(std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) {
            m_out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
        }
    }
    std::string m_out;
};

class Reader {
public:
    explicit Reader(std::string_view in) : m_in(in) {}

    bool ok() const noexcept { return m_error.empty(); }
    const std::string& error() const noexcept { return m_error; }
    bool done() const noexcept { return m_pos == m_in.size(); }
    void fail(std::string why) {
        if (m_error.empty()) {
            m_error = std::move(why) + " (at byte " + std::to_string(m_pos) + ")";
        }
    }

    std::uint8_t u8() { return static_cast<std::uint8_t>(little(1)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(little(4)); }
    std::uint64_t u64() { return little(8); }
    std::int64_t i64() { return static_cast<std::int64_t>(little(8)); }
    std::string_view text() {
        const std::uint32_t n = u32();
        if (n > k_max_text || n > m_in.size() - m_pos) {
            fail("a text longer than the message");
            return {};
        }
        const std::string_view s = m_in.substr(m_pos, n);
        m_pos += n;
        return s;
    }
    /// A count of entries, each at least `min_entry` bytes long: bounded by what is left, so a
    /// forged count cannot make the reader allocate or loop beyond the message.
    std::uint32_t count(std::size_t min_entry) {
        const std::uint32_t n = u32();
        if (ok() && n > (m_in.size() - m_pos) / min_entry) {
            fail("a count larger than the message");
            return 0;
        }
        return ok() ? n : 0;
    }
    bool expect(std::string_view magic) {
        if (m_in.substr(0, magic.size()) != magic) {
            fail("not a loads stats message (format " + std::string(magic) + " expected)");
            return false;
        }
        m_pos = magic.size();
        return true;
    }

private:
    std::uint64_t little(std::size_t bytes) {
        if (!ok() || m_in.size() - m_pos < bytes) {
            fail("the message is truncated");
            return 0;
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes; ++i) {
            v |= std::uint64_t{static_cast<unsigned char>(m_in[m_pos + i])} << (8 * i);
        }
        m_pos += bytes;
        return v;
    }

    std::string_view m_in;
    std::size_t m_pos = 0;
    std::string m_error;
};

void write_histogram(Writer& w, const LatencyHistogram& h) {
    std::vector<std::pair<std::size_t, std::uint64_t>> buckets;
    h.for_each_bucket([&](std::size_t index, std::uint64_t count) { buckets.emplace_back(index, count); });
    w.u64(h.sum());
    w.u64(h.count() ? h.min() : 0);
    w.u64(h.max());
    w.u32(static_cast<std::uint32_t>(buckets.size()));
    for (const auto& [index, count] : buckets) {
        w.u32(static_cast<std::uint32_t>(index));
        w.u64(count);
    }
}

void read_histogram(Reader& r, LatencyHistogram& h) {
    const std::uint64_t sum = r.u64();
    const std::uint64_t min = r.u64();
    const std::uint64_t max = r.u64();
    const std::uint32_t n = r.count(12);
    std::uint64_t values = 0;
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        const std::uint32_t index = r.u32();
        const std::uint64_t count = r.u64();
        if (r.ok() && (count == 0 || !h.add_to_bucket(index, count))) {
            r.fail("a histogram bucket that does not exist");
        }
        values += count;
    }
    if (r.ok() && values > 0) {
        h.add_summary(sum, min, max);
    }
}

}  // namespace

std::string encode_stats(const RunStats& s) {
    Writer w;
    w.raw(k_magic);
    const RunStats::Totals t = s.totals();
    for (std::uint64_t v :
         {t.successes, t.failures, t.errors, t.tests_finished, t.cancelled, t.sockets_opened,
          t.sockets_closed, t.socket_bytes, t.malformed_messages, t.arrivals, t.dropped_arrivals}) {
        w.u64(v);
    }
    write_histogram(w, s.latency());
    write_histogram(w, s.service_time());

    std::vector<const std::pair<const std::string, UrlStats>*> urls;
    for (const auto& entry : s.urls()) {
        urls.push_back(&entry);
    }
    std::sort(urls.begin(), urls.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    w.u32(static_cast<std::uint32_t>(urls.size()));
    for (const auto* entry : urls) {
        const UrlStats& u = entry->second;
        w.text(entry->first);
        w.u64(u.hits);
        w.u64(u.successes);
        write_histogram(w, u.latency);
        w.u32(static_cast<std::uint32_t>(u.statuses.size()));
        for (const auto& [status, count] : u.statuses) {
            w.u32(static_cast<std::uint32_t>(status));
            w.u64(count);
        }
    }
    w.u32(static_cast<std::uint32_t>(s.counters().size()));
    for (const auto& [name, value] : s.counters()) {
        w.text(name);
        w.i64(value);
    }
    w.u32(static_cast<std::uint32_t>(s.problems().size()));
    for (const auto& [key, count] : s.problems()) {
        w.u8(key.kind == ProblemKind::failure ? 0 : 1);
        w.text(key.type);
        w.text(key.message);
        w.text(key.location);
        w.u64(count);
    }
    return w.take();
}

std::string decode_stats(std::string_view bytes, RunStats& into) {
    Reader r(bytes);
    if (!r.expect(k_magic)) {
        return r.error();
    }
    RunStats::Totals t;
    for (std::uint64_t* v :
         {&t.successes, &t.failures, &t.errors, &t.tests_finished, &t.cancelled, &t.sockets_opened,
          &t.sockets_closed, &t.socket_bytes, &t.malformed_messages, &t.arrivals, &t.dropped_arrivals}) {
        *v = r.u64();
    }
    LatencyHistogram latency;
    read_histogram(r, latency);
    LatencyHistogram service;
    read_histogram(r, service);

    // A runner never sends more than its RunStats keeps (the rest is merged into one entry):
    // more is a forgery, refused before it can make the reader allocate a histogram for each.
    const std::uint32_t urls = r.count(4 + 8 + 8 + 28 + 4);
    if (urls > RunStats::k_max_urls + 1) {
        r.fail("more URLs than a runner keeps");
    }
    std::vector<std::pair<std::string_view, UrlStats>> url_stats;
    for (std::uint32_t i = 0; i < urls && r.ok(); ++i) {
        auto& [url, u] = url_stats.emplace_back();
        url = r.text();
        u.hits = r.u64();
        u.successes = r.u64();
        read_histogram(r, u.latency);
        const std::uint32_t statuses = r.count(12);
        for (std::uint32_t k = 0; k < statuses && r.ok(); ++k) {
            const auto status = static_cast<int>(r.u32());
            add_status(u.statuses, status, r.u64());
        }
        if (r.ok() && (u.latency.count() != u.hits || u.successes > u.hits)) {
            r.fail("per-URL counts that do not add up");
        }
    }
    const std::uint32_t counters = r.count(12);
    std::vector<std::pair<std::string_view, std::int64_t>> counter_values;
    for (std::uint32_t i = 0; i < counters && r.ok(); ++i) {
        const std::string_view name = r.text();
        counter_values.emplace_back(name, r.i64());
    }
    const std::uint32_t problems = r.count(1 + 12 + 8);
    if (problems > RunStats::k_max_problems + 1) {
        r.fail("more error groups than a runner keeps");
    }
    std::vector<std::pair<ProblemKey, std::uint64_t>> problem_counts;
    for (std::uint32_t i = 0; i < problems && r.ok(); ++i) {
        const std::uint8_t kind = r.u8();
        ProblemKey key{kind == 0 ? ProblemKind::failure : ProblemKind::error, std::string(r.text()),
                       std::string(r.text()), std::string(r.text())};
        if (r.ok() && kind > 1) {
            r.fail("an unknown kind of problem");
        }
        problem_counts.emplace_back(std::move(key), r.u64());
    }
    if (r.ok() && !r.done()) {
        r.fail("bytes after the end");
    }
    if (!r.ok()) {
        return r.error();
    }
    // Only a message read whole is added: `into` never holds half of one.
    into.add_totals(t);
    into.latency_for_merge().merge(latency);
    into.service_time_for_merge().merge(service);
    for (const auto& [url, u] : url_stats) {
        into.add_url(url, u);
    }
    for (const auto& [name, value] : counter_values) {
        into.incr_counter(name, value);
    }
    for (const auto& [key, count] : problem_counts) {
        into.add_problem_count(key, count);
    }
    return {};
}

}  // namespace loads::host
