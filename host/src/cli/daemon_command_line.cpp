#include "cli/daemon_command_line.hpp"

#include <iostream>

#include "base/usage_error.hpp"

namespace loads::host {

namespace po = boost::program_options;

std::optional<int> parse_daemon_command_line(const char* program, int argc, char** argv,
                                             po::options_description& options) {
    bool help = false;
    bool version = false;
    options.add_options()("help,h", po::bool_switch(&help), "show this help and exit")(
        "version", po::bool_switch(&version), "print the version and exit");
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv)
                      .options(options)
                      .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                      .run(),
                  vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (help) {
        std::cout << "Usage: " << program << " [options]\n\n" << options;
        return 0;
    }
    if (version) {
        std::cout << LOADS_VERSION << '\n';
        return 0;
    }
    return std::nullopt;
}

}  // namespace loads::host
