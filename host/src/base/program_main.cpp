#include "base/program_main.hpp"

#include <iostream>

#include "base/usage_error.hpp"

namespace loads::host {

int run_program(const char* program, const std::function<int()>& body) {
    const auto fail = [&](const char* kind, const std::exception& e, int status) {
        std::cerr << program << ": " << kind << ": " << e.what() << '\n';
        return status;
    };
    try {
        return body();
    } catch (const UsageError& e) {
        return fail("error", e, 2);
    } catch (const EnvironmentError& e) {
        return fail("error", e, 3);
    } catch (const ClusterError& e) {
        return fail("error", e, 6);
    } catch (const Interrupted& e) {
        return fail("interrupted", e, 130);
    } catch (const std::exception& e) {
        return fail("internal error", e, 4);
    }
}

}  // namespace loads::host
