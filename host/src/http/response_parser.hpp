// ResponseParser: an incremental HTTP/1.1 response parser (RFC 9112) writing straight into storage
// the session reuses from one request to the next (status, reason, header block, body), so a
// steady stream of responses allocates nothing once the buffers have grown.
//
// Why our own rather than Beast's basic_parser: a load test parses one response per request, and
// Beast's parser cost about 3,400 instructions of the 11,200 a request took (field-name lookup
// for every field, token-list walks, a virtual call per field), and needs about 4 KiB of stack,
// which every one of 10,000 users would have to keep. This one looks at no field but the five the
// session acts on, does one pass over each line, and needs a few hundred bytes of stack.
//
// Lenient where RFC 9112 lets a client be (a status line without reason, obs-fold, repeated equal
// Content-Length values); strict on what frames the message (line endings, lengths, chunks), since
// a misread length would credit one response's bytes to the next. Errors are Beast's http::error
// codes, so their messages read as before.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core/error.hpp>

namespace loads::host {

struct ResponseStorage {
    /// The body capacity kept from one response to the next; a larger buffer is released.
    static constexpr std::size_t k_body_kept = 1024 * 1024;

    int status = 0;
    std::string reason;
    std::string header_block;  ///< "Name: value\r\n" per field, in received order (trailers last).
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
        if (body.capacity() > k_body_kept) {
            std::string().swap(body);  // one big download must not stay with the user for good
        } else {
            body.clear();
        }
        set_cookies.clear();
        has_location = false;
    }
};

class ResponseParser {
public:
    /// Parses one response into `out` (cleared first). `is_head`: the request was a HEAD, whose
    /// response announces a length but carries no body.
    ResponseParser(ResponseStorage& out, std::size_t header_limit, std::uint64_t body_limit, bool is_head);

    /// Parses as much of `data` as it can. @return how many bytes it used (the rest belongs to
    /// later calls, or to the next response once is_done()). Sets `ec` to an http::error on a
    /// malformed or oversized response; leaves it clear when it simply needs more bytes.
    std::size_t put(std::string_view data, boost::beast::error_code& ec);
    /// The connection has ended: ends a body delimited by the end of the connection, or sets
    /// http::error::partial_message when the message was cut short.
    void put_eof(boost::beast::error_code& ec);

    bool got_some() const noexcept { return m_got_some; }
    bool is_done() const noexcept { return m_state == State::done; }
    /// Once the header is parsed: may the connection carry another request?
    bool keep_alive() const noexcept { return m_keep_alive; }

private:
    enum class State { header, body_length, body_to_eof, chunk_size, chunk_data, chunk_end, trailer, done };

    std::size_t parse_header(std::string_view data, boost::beast::error_code& ec);
    /// Parses the status line and the fields from data[0], in one pass. @return the header's
    /// size (its empty line included), or 0 when it is not all in `data` or on an error (`ec`).
    std::size_t parse_head(std::string_view data, boost::beast::error_code& ec);
    /// Parses field lines from data[0] to the empty line ending them into the header block.
    /// `header`: these are the header's fields, whose framing fields count. @return the bytes
    /// used (the empty line included), or 0 when they are not all in `data` or on an error.
    std::size_t parse_fields(std::string_view data, bool header, boost::beast::error_code& ec);
    void read_content_length(std::string_view value, boost::beast::error_code& ec);
    void note_field(std::string_view name, std::size_t value_at, std::size_t value_size, bool header,
                    boost::beast::error_code& ec);
    /// Where the empty line ending a field section that starts at data[0] ends (one past its LF),
    /// or 0 when it has not arrived yet. Resumes at m_scanned. Sets `ec` on a bare LF.
    std::size_t find_section_end(std::string_view data, boost::beast::error_code& ec);
    std::size_t parse_chunk_size(std::string_view data, boost::beast::error_code& ec);
    void begin_body(boost::beast::error_code& ec);

    ResponseStorage& m_out;
    const std::size_t m_header_limit;
    const std::uint64_t m_body_limit;
    const bool m_is_head;
    State m_state = State::header;
    bool m_got_some = false;
    bool m_keep_alive = false;
    std::size_t m_scanned = 0;      ///< How far the search for the end of a field section has got.
    std::uint64_t m_remaining = 0;  ///< Body or chunk bytes still to come.

    // What the header said about framing.
    struct Framing {
        int version = 11;
        bool has_length = false;
        std::uint64_t length = 0;
        bool has_transfer_encoding = false;
        bool chunked = false;
        bool close = false;
        bool keep_alive_token = false;
    };
    Framing m_framing;
    bool m_header_tried = false;  ///< The one-pass parse of a header that may be incomplete was tried.
};

}  // namespace loads::host
