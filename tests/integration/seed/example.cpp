#include <loads/loads.hpp>

class TestWebSite : public loads::TestCase {
public:
    void test_es() {
        auto res = session.get("http://localhost:9200");
        assertEqual(res.status_code, 200);
    }
};

LOADS_TESTS(TestWebSite, test_es)
