// The wire format of RunStats: exact round trips, merges equal to local merges (percentiles
// included), and malformed bytes refused without reading past them.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "results/stats_codec.hpp"

using loads::host::decode_stats;
using loads::host::encode_stats;
using loads::host::ProblemKind;
using loads::host::RunStats;

namespace {

RunStats sample(unsigned seed) {
    std::mt19937_64 rng(seed);
    RunStats s;
    for (int i = 0; i < 5000; ++i) {
        const std::string url = "http://h/" + std::to_string(rng() % 7);
        const int status = (rng() % 10 == 0) ? 500 : 200;
        const std::uint64_t service = 100 + rng() % 200000;
        s.record_hit(url, status, service + rng() % 3000, service);  // an open-model run's hits
    }
    s.record_arrival();
    s.record_arrival();
    s.record_dropped_arrival();
    s.incr_counter("a", static_cast<std::int64_t>(seed));
    s.incr_counter("negative", -3);
    s.record_problem(ProblemKind::failure, "AssertionError", "1 != 2", "t.cpp", 7);
    s.record_problem(ProblemKind::error, "std::runtime_error", "boom\n\x01\xff", "", 0);
    s.record_success();
    s.record_test_finished();
    s.record_cancelled();
    s.record_socket_opened();
    s.record_socket_bytes(1234);
    s.record_malformed_message();
    s.record_malformed_message();
    return s;
}

}  // namespace

TEST_CASE("encode then decode gives the same RunStats") {
    const RunStats original = sample(1);
    const std::string bytes = encode_stats(original);
    RunStats decoded;
    REQUIRE(decode_stats(bytes, decoded) == "");
    CHECK(encode_stats(decoded) == bytes);  // canonical: equal stats, equal bytes
    CHECK(decoded.hits() == original.hits());
    CHECK(decoded.latency().sum() == original.latency().sum());
    CHECK(decoded.latency().min() == original.latency().min());
    CHECK(decoded.latency().max() == original.latency().max());
    CHECK(decoded.counters().at("negative") == -3);
    CHECK(decoded.problems() == original.problems());
    CHECK(decoded.statuses() == original.statuses());
    CHECK(decoded.socket_bytes() == 1234);
    CHECK(decoded.cancelled() == 1);
    CHECK(decoded.malformed_messages() == 2);
    CHECK(decoded.arrivals() == 2);
    CHECK(decoded.dropped_arrivals() == 1);
    CHECK(decoded.service_time().count() == original.service_time().count());
    CHECK(decoded.service_time().sum() == original.service_time().sum());
    CHECK(decoded.service_time().max() == original.service_time().max());
    CHECK(encode_stats(RunStats{}).size() == 4 + 11 * 8 + 2 * 28 + 3 * 4);  // an idle second: 160 bytes
    RunStats empty;
    CHECK(decode_stats(encode_stats(RunStats{}), empty) == "");
    CHECK(empty.empty());
}

TEST_CASE("merging decoded messages equals merging the originals, percentiles included") {
    RunStats local;
    RunStats remote;
    for (unsigned agent = 1; agent <= 3; ++agent) {
        const RunStats s = sample(agent);
        local.merge(s);
        REQUIRE(decode_stats(encode_stats(s), remote) == "");
    }
    CHECK(encode_stats(remote) == encode_stats(local));
    for (double p : {50.0, 90.0, 99.0, 99.9}) {
        CHECK(remote.latency().value_at_percentile(p) == local.latency().value_at_percentile(p));
        CHECK(remote.service_time().value_at_percentile(p) == local.service_time().value_at_percentile(p));
        CHECK(remote.urls().at("http://h/3").latency.value_at_percentile(p) ==
              local.urls().at("http://h/3").latency.value_at_percentile(p));
    }
    CHECK(remote.counters().at("a") == 6);
}

TEST_CASE("malformed messages are refused whole") {
    const std::string bytes = encode_stats(sample(2));
    SUBCASE("every truncation") {
        for (std::size_t n = 0; n < bytes.size(); n += 7) {
            RunStats into;
            into.incr_counter("kept", 1);
            CHECK(decode_stats(std::string_view(bytes).substr(0, n), into) != "");
            CHECK(into.hits() == 0);  // nothing of a refused message is added
            CHECK(into.counters().size() == 1);
        }
    }
    SUBCASE("bytes after the end") {
        RunStats into;
        CHECK(decode_stats(bytes + "x", into).find("bytes after the end") != std::string::npos);
    }
    SUBCASE("not a stats message") {
        RunStats into;
        CHECK(decode_stats("{\"command\":\"STOP\"}", into).find("not a loads stats message") !=
              std::string::npos);
    }
    SUBCASE("random corruption never crashes") {
        std::mt19937 rng(42);
        for (int i = 0; i < 2000; ++i) {
            std::string bad = bytes;
            for (int k = 0; k < 3; ++k) {
                bad[4 + rng() % (bad.size() - 4)] = static_cast<char>(rng());
            }
            RunStats into;
            (void)decode_stats(bad, into);  // refused or accepted, but never out of bounds (ASan)
        }
    }
    SUBCASE("a forged count cannot make the reader allocate") {
        // Magic, 11 totals, then the overall histogram's sum, min and max: 4 + 88 + 24 bytes.
        std::string forged(4 + 88 + 24, '\0');
        forged.replace(0, 4, "LDS3");
        forged += std::string("\xff\xff\xff\xff", 4);  // bucket count of the overall histogram
        RunStats into;
        CHECK(decode_stats(forged, into).find("a count larger than the message") != std::string::npos);
    }
}

TEST_CASE("forged counts of URLs or error groups beyond what a runner keeps are refused") {
    RunStats big;
    for (std::size_t i = 0; i < RunStats::k_max_urls + 50; ++i) {
        big.record_hit("http://h/" + std::to_string(i), 200, 10);
    }
    std::string bytes = encode_stats(big);
    RunStats into;
    CHECK(decode_stats(bytes, into).empty());  // the runner's own cap, "(other URLs)" included
    CHECK(into.urls().size() == RunStats::k_max_urls);
    // The URL count sits after the magic, 11 totals, the overall histogram and the (empty)
    // service time histogram.
    const std::size_t at = 4 + 11 * 8 + 28 + 8 * 3 + 4 + 12 * [&] {
        std::size_t n = 0;
        big.latency().for_each_bucket([&](std::size_t, std::uint64_t) { ++n; });
        return n;
    }();
    const std::uint32_t forged = RunStats::k_max_urls + 2;
    for (int i = 0; i < 4; ++i) {
        bytes[at + i] = static_cast<char>((forged >> (8 * i)) & 0xFF);
    }
    RunStats refused;
    CHECK(decode_stats(bytes, refused) != "");
    CHECK(refused.empty());
}

TEST_CASE("counters from the wire saturate instead of overflowing") {
    RunStats s;
    s.incr_counter("c", INT64_MAX - 1);
    s.incr_counter("c", 5);
    CHECK(s.counters().at("c") == INT64_MAX);
    s.incr_counter("d", INT64_MIN + 1);
    s.incr_counter("d", -5);
    CHECK(s.counters().at("d") == INT64_MIN);
}
