#include "support/session_fixture.hpp"

#include <boost/asio/spawn.hpp>

namespace loads::test {
namespace asio = boost::asio;

namespace {
loads_str str(std::string_view s) {
    return {s.data(), s.size()};
}
}  // namespace

Reply SessionFixture::request(std::string_view method, std::string_view url, host::Yield& yield,
                              const std::vector<Header>& headers, std::string_view body,
                              std::uint32_t flags) {
    std::vector<loads_http_header> fields;
    for (const auto& h : headers) {
        fields.push_back({str(h.name), str(h.value)});
    }
    loads_http_request req{};
    req.struct_size = sizeof(req);
    req.method = str(method);
    req.url = str(url);
    req.headers = fields.data();
    req.header_count = fields.size();
    req.body = str(body);
    req.flags = flags;
    loads_http_response resp{};
    resp.struct_size = sizeof(resp);
    Reply out;
    out.rc = session().perform(req, resp, recorder, yield);
    out.status = resp.status;
    out.reason.assign(resp.reason.ptr, resp.reason.len);
    out.headers.assign(resp.headers.ptr, resp.headers.len);
    out.body.assign(resp.body.ptr, resp.body.len);
    out.url.assign(resp.url.ptr, resp.url.len);
    out.error.assign(resp.error.ptr, resp.error.len);
    out.redirects = resp.redirects;
    return out;
}

void SessionFixture::run(std::function<void(host::Yield&)> client) {
    session();
    m_ticking = true;
    // The worker's watchdog timer, at its pace: deadlines are checked while anything runs.
    asio::spawn(
        io.get_executor(),
        [this](host::Yield yield) {
            host::SteadyTimer tick(io);
            while (m_ticking) {
                tick.expires_after(std::chrono::milliseconds(10));
                tick.async_wait(yield);
                watchdog.check(std::chrono::steady_clock::now());
            }
        },
        [](std::exception_ptr e) {
            if (e) {
                std::rethrow_exception(e);
            }
        });
    try {
        run_coroutine(io, [&](host::Yield& yield) {
            struct StopTicker {
                bool& ticking;
                ~StopTicker() { ticking = false; }  // a failed check must not leave the ticker running
            } stop{m_ticking};
            client(yield);
        });
    } catch (...) {
        const std::exception_ptr failure = std::current_exception();
        end_suspended_coroutines();
        std::rethrow_exception(failure);
    }
}

void SessionFixture::stop_clients() {
    session().cancel();
}

void SessionFixture::end_suspended_coroutines() {
    m_ticking = false;
    stop_clients();
    peers->close_all();
    io.restart();
    // Each resumed coroutine runs to its end; further failed checks there only add to the report.
    for (int rounds = 0; rounds < 100; ++rounds) {
        try {
            io.run();
            return;
        } catch (...) {
            peers->close_all();
        }
    }
}

std::string http_response(int status, std::string_view reason, std::string_view body,
                          std::string_view extra) {
    return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" +
           std::string(body);
}

}  // namespace loads::test
