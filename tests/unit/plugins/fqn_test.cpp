#include <doctest/doctest.h>

#include <string>

#include "base/usage_error.hpp"
#include "plugins/fqn.hpp"

using loads::host::check_module_name;
using loads::host::Fqn;
using loads::host::parse_fqn;
using loads::host::parse_test_symbol;
using loads::host::TestName;
using loads::host::UsageError;

TEST_CASE("parse_fqn splits module, class and test") {
    const Fqn f = parse_fqn("example.TestWebSite.test_es");
    CHECK(f.module == "example");
    CHECK(f.klass == "TestWebSite");
    CHECK(f.test == "test_es");
    CHECK(f.str() == "example.TestWebSite.test_es");
    CHECK(f.symbol() == "loads_t__TestWebSite__test_es");

    const Fqn nested = parse_fqn("pkg.sub.mod.C.t");
    CHECK(nested.module == "pkg.sub.mod");
    CHECK(nested.klass == "C");
    CHECK(nested.test == "t");
    CHECK(nested.symbol() == "loads_t__C__t");

    const Fqn dashed = parse_fqn("my-tests.K_1._run2");
    CHECK(dashed.module == "my-tests");
    CHECK(dashed.klass == "K_1");
    CHECK(dashed.test == "_run2");
}

TEST_CASE("parse_fqn rejects malformed names") {
    for (const std::string bad :
         {"", "example", "example.Test", "a..b.c", ".a.b", "a.b.", "a.1Class.t", "a.C.1t", "a.C.t-x",
          "a.C-x.t", "a.Bad__Name.t", "a.C.t x", "1mod.C.t", "a.C..t"}) {
        CAPTURE(bad);
        bool thrown = false;
        try {
            (void)parse_fqn(bad);
        } catch (const UsageError& e) {
            thrown = true;
            CHECK(std::string(e.what()).find(std::string("'") + bad + "'") != std::string::npos);
        }
        CHECK(thrown);
    }
}

TEST_CASE("parse_test_symbol inverts Fqn::symbol") {
    for (const std::string text :
         {"example.TestWebSite.test_es", "m.C.t", "m.K.run__twice", "m.K._lead", "m.K2.x9"}) {
        CAPTURE(text);
        const Fqn f = parse_fqn(text);
        const TestName t = parse_test_symbol(f.symbol());
        CHECK(t.klass == f.klass);
        CHECK(t.test == f.test);
    }
    const TestName direct = parse_test_symbol("loads_t__TestWebSite__test_es");
    CHECK(direct.klass == "TestWebSite");
    CHECK(direct.test == "test_es");
}

TEST_CASE("parse_test_symbol ignores symbols that are not test registrations") {
    for (const std::string other : {"", "foo", "loads_t__", "loads_t__A__", "loads_t__A", "loads_t____x",
                                    "Loads_t__A__b", "xloads_t__A__b", "loads_detail_test__A__b"}) {
        CAPTURE(other);
        const TestName t = parse_test_symbol(other);
        CHECK(t.klass.empty());
        CHECK(t.test.empty());
    }
}

// Every name parse_fqn accepts must survive the symbol encoding: --list shows what
// parse_test_symbol decodes, and running it encodes the name again. A class ending in '_'
// ("Foo_" + "bar" -> "loads_t__Foo___bar") decodes as class "Foo", test "_bar" unless parse_fqn
// refuses such class names.
TEST_CASE("parse_fqn accepts only names whose symbol decodes back to the same class and test") {
    for (const std::string text : {"m.Foo_.bar", "m.A_.b", "m.K._x"}) {
        CAPTURE(text);
        Fqn f;
        try {
            f = parse_fqn(text);
        } catch (const UsageError&) {
            continue;  // refusing the ambiguous name is a correct answer too
        }
        const TestName t = parse_test_symbol(f.symbol());
        CHECK(t.klass == f.klass);
        CHECK(t.test == f.test);
    }
}

TEST_CASE("check_module_name") {
    for (const std::string good : {"example", "pkg.example", "pkg.sub.my-mod", "_m", "m2"}) {
        CAPTURE(good);
        CHECK_NOTHROW(check_module_name(good));
    }
    for (const std::string bad : {"", ".", "a..b", ".a", "a.", "1a", "a/b", "a b", "pkg.2x"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(check_module_name(bad), UsageError);
    }
}

TEST_CASE("external_test_name takes what an external runner understands") {
    using loads::host::external_test_name;
    const Fqn dotted = external_test_name("tests.test_site.TestSite.test_es");
    CHECK(dotted.module == "tests.test_site");
    CHECK(dotted.klass == "TestSite");
    CHECK(dotted.test == "test_es");
    CHECK(dotted.str() == "tests.test_site.TestSite.test_es");
    // loads.js takes a file name: kept whole.
    const Fqn file = external_test_name("javascript_tests.js");
    CHECK(file.module == "javascript_tests.js");
    CHECK(file.klass.empty());
    CHECK(file.str() == "javascript_tests.js");
    CHECK(external_test_name("spaces are fine").str() == "spaces are fine");
    CHECK_THROWS_AS(external_test_name(""), UsageError);
    CHECK_THROWS_AS(external_test_name("-x"), UsageError);
    CHECK_THROWS_AS(external_test_name("a\nb"), UsageError);
    CHECK_THROWS_AS(external_test_name(std::string(1025, 'a')), UsageError);
}
