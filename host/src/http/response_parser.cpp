#include "http/response_parser.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>

#include <boost/beast/http/error.hpp>

#include "http/text.hpp"

namespace loads::host {
namespace http = boost::beast::http;
using boost::beast::error_code;

namespace {

// RFC 9110 5.5 field-vchar, SP and HTAB (a reason phrase is made of the same): no control
// character, CR and LF included, so a bare CR inside a line is refused here.
constexpr std::array<bool, 256> k_text = [] {
    std::array<bool, 256> t{};
    t['\t'] = true;
    for (int c = 0x20; c < 0x7f; ++c)
        t[c] = true;
    for (int c = 0x80; c < 0x100; ++c)
        t[c] = true;  // obs-text
    return t;
}();

bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back()))
        s.remove_suffix(1);
    return s;
}

// Calls fn(element) for each non-empty element of a comma-separated list, trimmed.
template <class Fn>
void for_each_element(std::string_view list, Fn&& fn) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view element = trim_ows(list.substr(0, comma));
        if (!element.empty()) {
            fn(element);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        list.remove_prefix(comma + 1);
    }
}

// The word-at-a-time scans find the first byte of interest with a count of trailing zeros.
static_assert(std::endian::native == std::endian::little, "the word scans assume little-endian loads");

constexpr std::uint64_t k_ones = 0x0101010101010101ULL;
constexpr std::uint64_t k_highs = 0x8080808080808080ULL;

// The high bit of each byte of x below n (n <= 128), exact for the lowest such byte (a borrow only
// ever runs towards higher bytes), which is all the scans below use.
constexpr std::uint64_t bytes_below(std::uint64_t x, std::uint8_t n) {
    return (x - k_ones * n) & ~x & k_highs;
}
constexpr std::uint64_t bytes_equal(std::uint64_t x, std::uint8_t c) {
    return bytes_below(x ^ (k_ones * c), 1);
}

std::uint64_t load8(const char* p) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
}

// Compares a token (a field name, a Connection value) with a lower-case name made of letters,
// digits and '-': (c | 0x20) folds the case of letters and leaves '-' and digits alone, and no
// byte a field name or value can hold (no control character) folds onto one of those otherwise.
// Eight bytes at a time, the last eight overlapping: these compares run for every response.
bool name_is(std::string_view token, std::string_view lower) {
    const std::size_t n = token.size();
    if (n != lower.size()) {
        return false;
    }
    if (n < 8) {
        for (std::size_t i = 0; i < n; ++i) {
            if ((token[i] | 0x20) != lower[i]) {
                return false;
            }
        }
        return true;
    }
    constexpr std::uint64_t k_case = 0x2020202020202020ULL;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
        if ((load8(token.data() + i) | k_case) != load8(lower.data() + i)) {
            return false;
        }
    }
    return (load8(token.data() + n - 8) | k_case) == load8(lower.data() + n - 8);
}

// Skips the text of a line (k_text) from p; stops at the first other byte, at `last` at the
// latest. Eight bytes at a time (bytes from 0x80 are obs-text, so only those below 0x20 and DEL
// stop it); most of a header's bytes are values.
const char* skip_text(const char* p, const char* last) {
    while (last - p >= 8) {
        const std::uint64_t x = load8(p);
        const std::uint64_t stop = bytes_below(x, 0x20) | bytes_equal(x, 0x7f);
        if (stop == 0) {
            p += 8;
            continue;
        }
        p += __builtin_ctzll(stop) / 8;
        if (*p != '\t') {
            return p;
        }
        ++p;  // a tab is text
    }
    while (p < last && k_text[static_cast<unsigned char>(*p)]) {
        ++p;
    }
    return p;
}

// Skips a field name from p: stops at the first byte that is a control, a space, ':', DEL or
// above, at `last` at the latest. Eight bytes at a time, so a name's other characters are not
// told apart from tchar: a separator such as '/' in a name is let through, which costs a client
// nothing (no field the session reads contains one, and name_is() stays exact without them).
const char* skip_name(const char* p, const char* last) {
    while (last - p >= 8) {
        const std::uint64_t x = load8(p);
        const std::uint64_t stop =
            bytes_below(x, 0x21) | bytes_equal(x, ':') | (x & k_highs) | bytes_equal(x, 0x7f);
        if (stop != 0) {
            return p + __builtin_ctzll(stop) / 8;
        }
        p += 8;
    }
    while (p < last) {
        const auto c = static_cast<unsigned char>(*p);
        if (c <= 0x20 || c == ':' || c >= 0x7f) {
            break;
        }
        ++p;
    }
    return p;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

constexpr std::size_t k_chunk_line_limit = 4096;  // size, extensions and CRLF
constexpr std::uint64_t k_reserve_limit = std::uint64_t{1} << 26;

}  // namespace

ResponseParser::ResponseParser(ResponseStorage& out, std::size_t header_limit, std::uint64_t body_limit,
                               bool is_head)
    : m_out(out), m_header_limit(header_limit), m_body_limit(body_limit), m_is_head(is_head) {
    m_out.clear();
}

std::size_t ResponseParser::find_section_end(std::string_view data, error_code& ec) {
    assert(m_scanned <= data.size());  // the caller hands back every byte not used yet
    for (;;) {
        const std::size_t line_start = m_scanned;
        const void* lf = std::memchr(data.data() + line_start, '\n', data.size() - line_start);
        if (lf == nullptr) {
            return 0;  // resumes at the start of the unfinished line
        }
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(lf) - data.data());
        if (at == 0 || data[at - 1] != '\r') {
            ec = http::error::bad_line_ending;
            return 0;
        }
        m_scanned = at + 1;
        if (at == line_start + 1) {
            return at + 1;  // the empty line
        }
    }
}

std::size_t ResponseParser::parse_header(std::string_view data, error_code& ec) {
    if (!m_header_tried) {
        // Nearly every response header arrives whole in one read: parsed straight away, in one
        // pass that finds its end as it goes.
        m_header_tried = true;
        const std::size_t end = parse_head(data, ec);
        if (ec || end != 0) {
            if (!ec && end > m_header_limit) {
                ec = http::error::header_limit;
                return 0;
            }
            return end;
        }
        // It did not: forget what was read, wait for the end, then parse the whole. The search
        // for the end resumes where it stopped, so a header in many pieces is scanned once more
        // in all, not once per piece.
        m_out.clear();
        m_framing = Framing{};
    }
    const std::size_t end = find_section_end(data, ec);
    if (ec) {
        return 0;
    }
    if ((end == 0 && data.size() > m_header_limit) || end > m_header_limit) {
        ec = http::error::header_limit;
        return 0;
    }
    if (end == 0) {
        return 0;
    }
    const std::size_t parsed = parse_head(data.substr(0, end), ec);
    assert(ec || parsed == end);
    return ec ? 0 : parsed;
}

std::size_t ResponseParser::parse_head(std::string_view data, error_code& ec) {
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]; "HTTP/1.1 200" without the
    // second SP is accepted, as curl and browsers do.
    const char* const first = data.data();
    const char* const last = first + data.size();
    const char* const cr = skip_text(first, last);
    if (cr == last || (*cr == '\r' && last - cr < 2)) {
        return 0;
    }
    if (*cr == '\n') {
        ec = http::error::bad_line_ending;
        return 0;
    }
    const std::string_view line(first, static_cast<std::size_t>(cr - first));
    const auto digit = [&](std::size_t i) { return line[i] >= '0' && line[i] <= '9'; };
    if (line.size() < 8 || line.substr(0, 5) != "HTTP/" || line[5] != '1' || line[6] != '.' || !digit(7)) {
        ec = http::error::bad_version;
        return 0;
    }
    m_framing.version = 10 + (line[7] - '0');
    if (line.size() < 12 || line[8] != ' ' || !digit(9) || !digit(10) || !digit(11) || line[9] == '0' ||
        (line.size() > 12 && line[12] != ' ')) {
        ec = http::error::bad_status;
        return 0;
    }
    if (*cr != '\r' || cr[1] != '\n') {
        ec = http::error::bad_reason;  // a control character in it, a bare CR among them
        return 0;
    }
    m_out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    m_out.reason.assign(line.size() > 12 ? line.substr(13) : std::string_view());
    const std::size_t fields_start = line.size() + 2;
    const std::size_t used = parse_fields(data.substr(fields_start), true, ec);
    return used == 0 ? 0 : fields_start + used;
}

std::size_t ResponseParser::parse_fields(std::string_view data, bool header, error_code& ec) {
    // The block grows as it is written: offsets, not pointers, are kept into it.
    std::string& block = m_out.header_block;
    std::size_t w = block.size();
    const auto room = [&block, &w](std::size_t n) {
        if (w + n > block.size()) {
            block.resize(std::max({w + n, 2 * block.size(), std::size_t{512}}));
        }
        return block.data() + w;
    };

    std::string_view name;  // the field in progress, finished once no obs-fold line follows
    std::size_t value_at = 0;
    std::size_t value_size = 0;
    bool pending = false;

    const char* p = data.data();
    const char* const last = p + data.size();
    for (;;) {
        if (last - p < 2) {
            return 0;  // not all here yet
        }
        if (p[0] == '\r' || p[0] == '\n') {  // the empty line ending the section
            if (p[0] != '\r' || p[1] != '\n') {
                ec = http::error::bad_line_ending;
                return 0;
            }
            p += 2;
            break;
        }
        const char* const line = p;
        p = skip_name(p, last);
        if (p == last) {
            return 0;
        }
        const bool fold = p == line && is_ows(*p);
        if (*p == '\n') {
            ec = http::error::bad_line_ending;  // as find_section_end would say
            return 0;
        }
        if (!fold && (p == line || *p != ':')) {
            ec = http::error::bad_field;
            return 0;
        }
        if (fold && !pending) {
            ec = http::error::bad_obs_fold;
            return 0;
        }
        const char* const name_end = p;
        if (!fold) {
            ++p;  // the colon
        }
        while (p < last && is_ows(*p)) {
            ++p;
        }
        const char* const value = p;
        p = skip_text(p, last);
        if (p == last || (*p == '\r' && last - p < 2)) {
            return 0;
        }
        if (*p == '\n') {
            ec = http::error::bad_line_ending;
            return 0;
        }
        if (p[0] != '\r' || p[1] != '\n') {
            ec = http::error::bad_value;  // a control character, a bare CR among them
            return 0;
        }
        const char* value_end = p;
        while (value_end > value && is_ows(value_end[-1])) {
            --value_end;
        }
        const std::size_t size = static_cast<std::size_t>(value_end - value);
        p += 2;
        if (fold) {
            // obs-fold (RFC 9112 5.2): a client replaces it with SP and reads on.
            if (size > 0) {
                w -= 2;  // over the CRLF that ended the field so far
                char* out = room(size + 3);
                if (value_size > 0) {
                    *out++ = ' ';
                    ++value_size;
                }
                std::memcpy(out, value, size);
                out += size;
                value_size += size;
                *out++ = '\r';
                *out++ = '\n';
                w = static_cast<std::size_t>(out - block.data());
            }
            continue;
        }
        if (pending) {
            note_field(name, value_at, value_size, header, ec);
            if (ec) {
                return 0;
            }
        }
        name = std::string_view(line, static_cast<std::size_t>(name_end - line));
        char* out = room(name.size() + size + 4);
        std::memcpy(out, name.data(), name.size());
        out += name.size();
        *out++ = ':';
        *out++ = ' ';
        value_at = static_cast<std::size_t>(out - block.data());
        value_size = size;
        if (size > 0) {  // an empty value's pointer may sit at the CR: nothing to copy
            std::memcpy(out, value, size);
            out += size;
        }
        *out++ = '\r';
        *out++ = '\n';
        w = static_cast<std::size_t>(out - block.data());
        pending = true;
    }
    if (pending) {
        note_field(name, value_at, value_size, header, ec);
        if (ec) {
            return 0;
        }
    }
    block.resize(w);
    return static_cast<std::size_t>(p - data.data());
}

void ResponseParser::note_field(std::string_view name, std::size_t value_at, std::size_t value_size,
                                bool header, error_code& ec) {
    if (!header) {
        return;  // a trailer may not frame the message or set state (RFC 9110 6.5.1): kept, not read
    }
    const std::string_view value(m_out.header_block.data() + value_at, value_size);
    // Names hold no control character, space or DEL (skip_name), for which name_is() is exact;
    // the length rules out nearly every other field at once.
    switch (name.size()) {
        case 8:
            if (name_is(name, "location") && !m_out.has_location) {
                m_out.location = {value_at, value_size};
                m_out.has_location = true;
            }
            break;
        case 10:
            if (name_is(name, "set-cookie")) {
                m_out.set_cookies.emplace_back(value_at, value_size);
            } else if (name_is(name, "connection")) {
                if (name_is(value, "keep-alive")) {
                    m_framing.keep_alive_token = true;
                    break;
                }
                for_each_element(value, [&](std::string_view token) {
                    if (iequals(token, "close")) {
                        m_framing.close = true;
                    } else if (iequals(token, "keep-alive")) {
                        m_framing.keep_alive_token = true;
                    }
                });
            }
            break;
        case 14:
            if (name_is(name, "content-length")) {
                read_content_length(value, ec);
            }
            break;
        case 17:
            if (name_is(name, "transfer-encoding")) {
                // Only a final "chunked" frames the body; any other last coding runs to the end of the
                // connection (RFC 9112 6.3).
                std::string_view last;
                for_each_element(value, [&](std::string_view coding) { last = coding; });
                if (!last.empty()) {
                    m_framing.has_transfer_encoding = true;
                    m_framing.chunked = iequals(trim_ows(last.substr(0, last.find(';'))), "chunked");
                }
            }
            break;
        default:
            break;
    }
}

void ResponseParser::read_content_length(std::string_view value, error_code& ec) {
    // A list of one repeated value is one value (RFC 9110 8.6); anything else is refused, since
    // which length is right cannot be known.
    bool any = false;
    for_each_element(value, [&](std::string_view element) {
        if (ec) {
            return;
        }
        std::uint64_t n = 0;
        for (char c : element) {
            if (c < '0' || c > '9' || n > (UINT64_MAX - 9) / 10) {
                ec = http::error::bad_content_length;
                return;
            }
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (m_framing.has_length && n != m_framing.length) {
            ec = http::error::multiple_content_length;
            return;
        }
        m_framing.has_length = true;
        m_framing.length = n;
        any = true;
    });
    if (!any && !ec) {
        ec = http::error::bad_content_length;
    }
}

void ResponseParser::begin_body(error_code& ec) {
    const int status = m_out.status;
    m_keep_alive =
        m_framing.version >= 11 ? !m_framing.close : m_framing.keep_alive_token && !m_framing.close;
    if (status < 200 || status == 204 || status == 304 || m_is_head) {
        if (status == 101) {
            m_keep_alive = false;  // the connection now speaks another protocol
        }
        m_state = State::done;
        return;
    }
    if (m_framing.has_transfer_encoding) {
        if (m_framing.has_length || m_framing.version < 11) {
            // Both: Transfer-Encoding wins, and the connection is suspect. In HTTP/1.0, which has
            // no Transfer-Encoding, the framing is faulty: read it, then close (RFC 9112 6.1, 6.3).
            m_keep_alive = false;
        }
        if (m_framing.chunked) {
            m_state = State::chunk_size;
        } else {
            m_state = State::body_to_eof;
            m_keep_alive = false;
        }
        return;
    }
    if (m_framing.has_length) {
        if (m_framing.length > m_body_limit) {
            ec = http::error::body_limit;
            return;
        }
        if (m_framing.length == 0) {
            m_state = State::done;
            return;
        }
        m_remaining = m_framing.length;
        m_out.body.reserve(static_cast<std::size_t>(std::min(m_framing.length, k_reserve_limit)));
        m_state = State::body_length;
        return;
    }
    m_state = State::body_to_eof;
    m_keep_alive = false;
}

std::size_t ResponseParser::parse_chunk_size(std::string_view data, error_code& ec) {
    const std::size_t lf = data.find('\n');
    if (lf == std::string_view::npos) {
        if (data.size() > k_chunk_line_limit) {
            ec = http::error::bad_chunk_extension;
        }
        return 0;
    }
    if (lf + 1 > k_chunk_line_limit) {
        ec = http::error::bad_chunk_extension;  // however the line arrived
        return 0;
    }
    if (lf == 0 || data[lf - 1] != '\r') {
        ec = http::error::bad_line_ending;
        return 0;
    }
    const std::string_view line = data.substr(0, lf - 1);
    std::uint64_t size = 0;
    std::size_t i = 0;
    for (; i < line.size(); ++i) {
        const int v = hex_value(line[i]);
        if (v < 0) {
            break;
        }
        if (size > (UINT64_MAX >> 4)) {
            ec = http::error::bad_chunk;
            return 0;
        }
        size = size << 4 | static_cast<std::uint64_t>(v);
    }
    if (i == 0) {
        ec = http::error::bad_chunk;
        return 0;
    }
    // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): read past, never interpreted.
    std::string_view rest = line.substr(i);
    while (!rest.empty() && is_ows(rest.front()))
        rest.remove_prefix(1);
    if (!rest.empty()) {
        if (rest.front() != ';') {
            ec = http::error::bad_chunk;
            return 0;
        }
        for (char c : rest) {
            if (!k_text[static_cast<unsigned char>(c)]) {
                ec = http::error::bad_chunk_extension;
                return 0;
            }
        }
    }
    if (size == 0) {
        m_state = State::trailer;
        m_scanned = 0;
    } else {
        if (size > m_body_limit || m_out.body.size() > m_body_limit - size) {
            ec = http::error::body_limit;
            return 0;
        }
        m_remaining = size;
        m_state = State::chunk_data;
    }
    return lf + 1;
}

std::size_t ResponseParser::put(std::string_view data, error_code& ec) {
    if (data.empty()) {
        return 0;  // and no scan gets an empty view's null pointer
    }
    m_got_some = true;
    std::size_t used = 0;
    while (m_state != State::done) {
        const std::string_view rest = data.substr(used);
        switch (m_state) {
            case State::header: {
                const std::size_t n = parse_header(rest, ec);
                if (n == 0) {
                    return used;
                }
                used += n;
                begin_body(ec);
                if (ec) {
                    return used;
                }
                break;
            }
            case State::body_length:
            case State::chunk_data: {
                if (rest.empty()) {
                    return used;
                }
                const std::size_t take =
                    static_cast<std::size_t>(std::min<std::uint64_t>(rest.size(), m_remaining));
                m_out.body.append(rest.data(), take);
                used += take;
                m_remaining -= take;
                if (m_remaining == 0) {
                    m_state = m_state == State::body_length ? State::done : State::chunk_end;
                }
                break;
            }
            case State::body_to_eof:
                if (rest.empty()) {
                    return used;
                }
                if (rest.size() > m_body_limit - m_out.body.size()) {
                    ec = http::error::body_limit;
                    return used;
                }
                m_out.body.append(rest.data(), rest.size());
                return used + rest.size();
            case State::chunk_size: {
                const std::size_t n = parse_chunk_size(rest, ec);
                if (n == 0) {
                    return used;
                }
                used += n;
                break;
            }
            case State::chunk_end:
                if (rest.size() < 2) {
                    return used;
                }
                if (rest[0] != '\r' || rest[1] != '\n') {
                    ec = http::error::bad_chunk;
                    return used;
                }
                used += 2;
                m_state = State::chunk_size;
                break;
            case State::trailer: {
                const std::size_t end = find_section_end(rest, ec);
                if (ec) {
                    return used;
                }
                if ((end == 0 && rest.size() > m_header_limit) || end > m_header_limit) {
                    ec = http::error::header_limit;
                    return used;
                }
                if (end == 0) {
                    return used;
                }
                if (parse_fields(rest.substr(0, end), false, ec) != end) {
                    assert(ec);  // the whole section is here
                    return used;
                }
                used += end;
                m_state = State::done;
                break;
            }
            case State::done:
                break;
        }
    }
    return used;
}

void ResponseParser::put_eof(error_code& ec) {
    if (m_state == State::body_to_eof) {
        m_state = State::done;
    } else if (m_state != State::done) {
        ec = http::error::partial_message;
    }
}

}  // namespace loads::host
