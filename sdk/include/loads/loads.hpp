/// @file loads.hpp
/// @brief The loads SDK: include this one header to write load tests.
///
/// @code
/// #include <loads/loads.hpp>
///
/// class TestWebSite : public loads::TestCase {
/// public:
///     void test_es() {
///         auto res = session.get("http://localhost:9200");
///         assertEqual(res.status_code, 200);
///     }
/// };
///
/// LOADS_TESTS(TestWebSite, test_es)
/// @endcode
///
/// Build it with `loads-build example.cpp` (→ libexample.so, module `example`) and run it with
/// `loads-runner example.TestWebSite.test_es -u 100 --hits 10`.
///
/// Header-only; plugins need these headers, a C++20 compiler and libsimdjson (for Response::json;
/// loads-build and loads_add_test_plugin link it). The only interface with the host is the C ABI
/// in abi.h.
#pragma once

#include "abi.h"
#include "app.hpp"
#include "assertions.hpp"
#include "exceptions.hpp"
#include "fields.hpp"
#include "headers.hpp"
#include "json.hpp"
#include "registration.hpp"
#include "response.hpp"
#include "session.hpp"
#include "test_case.hpp"
#include "web_socket.hpp"
