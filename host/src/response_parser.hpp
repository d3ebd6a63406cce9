// ResponseParser: Beast's HTTP/1.1 response parser, writing straight into storage the session
// reuses from one request to the next (status, reason, header block, body), so a steady stream of
// responses allocates nothing once the buffers have grown.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/basic_parser.hpp>

namespace loads::host {

struct ResponseStorage {
    int status = 0;
    std::string reason;
    std::string header_block;  ///< "Name: value\r\n" per field, in received order.
    std::string body;
    /// Where the values of the fields the session acts on sit in header_block (offset, length):
    /// noted while parsing so that nobody scans the block again.
    std::vector<std::pair<std::size_t, std::size_t>> set_cookies;
    std::pair<std::size_t, std::size_t> location{0, 0};
    bool has_location = false;

    std::string_view slice(std::pair<std::size_t, std::size_t> at) const {
        return std::string_view(header_block).substr(at.first, at.second);
    }

    void clear() {
        status = 0;
        reason.clear();
        header_block.clear();
        body.clear();
        set_cookies.clear();
        has_location = false;
    }
};

class ResponseParser final : public boost::beast::http::basic_parser<false> {
public:
    explicit ResponseParser(ResponseStorage& out) : m_out(out) {}

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view reason, int, error_code&) override {
        m_out.status = code;
        m_out.reason.assign(reason.data(), reason.size());
    }
    void on_field_impl(boost::beast::http::field field, string_view name, string_view value,
                       error_code&) override {
        // One resize and plain copies rather than four appends: this runs for every field of
        // every response, and the block keeps its capacity from one response to the next.
        std::string& block = m_out.header_block;
        const std::size_t start = block.size();
        block.resize(start + name.size() + 2 + value.size() + 2);
        char* p = block.data() + start;
        std::memcpy(p, name.data(), name.size());
        p += name.size();
        *p++ = ':';
        *p++ = ' ';
        const std::pair<std::size_t, std::size_t> at{static_cast<std::size_t>(p - block.data()),
                                                     value.size()};
        if (!value.empty()) {  // an empty value's data() may be null, which memcpy must not get
            std::memcpy(p, value.data(), value.size());
            p += value.size();
        }
        *p++ = '\r';
        *p = '\n';
        if (field == boost::beast::http::field::set_cookie) {
            m_out.set_cookies.push_back(at);
        } else if (field == boost::beast::http::field::location && !m_out.has_location) {
            m_out.location = at;
            m_out.has_location = true;
        }
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length && *length < (std::uint64_t{1} << 26)) {
            m_out.body.reserve(static_cast<std::size_t>(*length));
        }
    }
    std::size_t on_body_impl(string_view body, error_code&) override {
        m_out.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        m_out.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    ResponseStorage& m_out;
};

}  // namespace loads::host
