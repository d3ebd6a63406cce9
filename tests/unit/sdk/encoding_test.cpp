// The SDK's request encodings (query parameters, form bodies, Basic credentials): header-only code
// that runs inside plugins, tested here where doctest is at hand.
#include <doctest/doctest.h>

#include <loads/fields.hpp>

using loads::Fields;
using loads::detail::base64;
using loads::detail::form_encode;
using loads::detail::with_params;

TEST_CASE("SDK: form encoding like Python's urlencode") {
    CHECK(form_encode({{"q", "load test"}, {"a&b", "1=2"}}) == "q=load+test&a%26b=1%3D2");
    CHECK(form_encode({{"u", "é/~"}}) == "u=%C3%A9%2F~");
    CHECK(form_encode({{"k", ""}, {"k", "2"}}) == "k=&k=2");
    CHECK(form_encode(Fields{}).empty());
}

TEST_CASE("SDK: parameters join the URL's own query, before the fragment") {
    CHECK(with_params("http://h/p", {{"a", "1"}}) == "http://h/p?a=1");
    CHECK(with_params("http://h/p?x=0", {{"a", "1"}}) == "http://h/p?x=0&a=1");
    CHECK(with_params("http://h/p?", {{"a", "1"}}) == "http://h/p?a=1");
    CHECK(with_params("http://h/p#f", {{"a", "b c"}}) == "http://h/p?a=b+c");
    CHECK(with_params("http://h/p", {}) == "http://h/p");
}

TEST_CASE("SDK: Base64 of Basic credentials (RFC 4648 vectors)") {
    CHECK(base64("") == "");
    CHECK(base64("f") == "Zg==");
    CHECK(base64("fo") == "Zm8=");
    CHECK(base64("foo") == "Zm9v");
    CHECK(base64("foobar") == "Zm9vYmFy");
    CHECK(base64("tarek:pass") == "dGFyZWs6cGFzcw==");
}
