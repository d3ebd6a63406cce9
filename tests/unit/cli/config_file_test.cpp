// config_arguments: a config file's entries become the command-line arguments they stand for
// (switches given or not, list values one argument per item), or a one-line error naming the file
// and line; split_names: the names a list value holds, each once.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "base/usage_error.hpp"
#include "cli/config_file.hpp"

using loads::host::config_arguments;
using loads::host::ConfigEntry;
using loads::host::split_names;
using loads::host::UsageError;
namespace po = boost::program_options;

namespace {

using Strings = std::vector<std::string>;

// A few options of each kind the runner has: values, switches, repeatable lists, and the ones a
// file may not set.
po::options_description known_options() {
    po::options_description d;
    // clang-format off
    d.add_options()
        ("users", po::value<std::string>(), "")
        ("server-url", po::value<std::string>(), "")
        ("quiet", po::bool_switch(), "")
        ("detach", po::bool_switch(), "")
        ("include-file", po::value<Strings>()->composing(), "")
        ("observer", po::value<Strings>()->composing(), "")
        ("python-dep", po::value<Strings>()->composing(), "")
        ("output", po::value<Strings>()->composing(), "")
        ("output-json-filename", po::value<std::string>(), "")
        ("config", po::value<std::string>(), "")
        ("help", po::bool_switch(), "")
        ("version", po::bool_switch(), "")
        ("list", po::value<std::string>(), "");
    // clang-format on
    return d;
}

Strings arguments_of(const std::vector<ConfigEntry>& entries) {
    return config_arguments(entries, "run.ini", known_options());
}

// The UsageError config_arguments throws for `entries`, or "" if none.
std::string error_of(const std::vector<ConfigEntry>& entries) {
    try {
        (void)arguments_of(entries);
    } catch (const UsageError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

TEST_CASE("config_arguments: a value is --key=value, in the file's order") {
    CHECK(arguments_of({{"users", "loads", "3", 2}, {"server-url", "loads", "http://h:1/a b", 3}}) ==
          Strings{"--users=3", "--server-url=http://h:1/a b"});
    CHECK(arguments_of({{"output-json-filename", "output", "r.json", 5}}) ==
          Strings{"--output-json-filename=r.json"});
    CHECK(arguments_of({{"users", "loads", "", 1}}) == Strings{"--users="});
    CHECK(arguments_of({}).empty());
}

TEST_CASE("config_arguments: a switch is given when true, left out when false") {
    for (const std::string yes : {"true", "True", "yes", "on", "1"}) {
        CAPTURE(yes);
        CHECK(arguments_of({{"quiet", "loads", yes, 1}}) == Strings{"--quiet"});
    }
    for (const std::string no : {"false", "False", "no", "off", "0"}) {
        CAPTURE(no);
        CHECK(arguments_of({{"quiet", "loads", no, 1}}).empty());
    }
    CHECK(arguments_of({{"quiet", "loads", "no", 1}, {"detach", "loads", "yes", 2}}) == Strings{"--detach"});
    CHECK(error_of({{"users", "loads", "2", 1}, {"quiet", "loads", "maybe", 3}}) ==
          "run.ini:3: 'quiet' takes true or false, not 'maybe'");
    CHECK(error_of({{"detach", "loads", "", 7}}) == "run.ini:7: 'detach' takes true or false, not ''");
}

TEST_CASE("config_arguments: list values give one argument per item") {
    // Paths may hold spaces and commas: one per line.
    CHECK(arguments_of({{"include-file", "loads", "data/a b.csv\n\nx,y.txt", 1}}) ==
          Strings{"--include-file=data/a b.csv", "--include-file=x,y.txt"});
    CHECK(arguments_of({{"observer", "loads", "irc\nemail", 1}}) ==
          Strings{"--observer=irc", "--observer=email"});
    CHECK(arguments_of({{"python-dep", "loads", "requests", 1}}) == Strings{"--python-dep=requests"});
    // Output names are split as --output splits them, each once.
    CHECK(arguments_of({{"output", "loads", "json, junit\nnull json", 1}}) ==
          Strings{"--output=json", "--output=junit", "--output=null"});
}

TEST_CASE("config_arguments: a key that is no option, or not one for a file, names its file and line") {
    CHECK(error_of({{"users", "loads", "2", 2}, {"frobnicate", "loads", "1", 4}}) ==
          "run.ini:4: unknown key 'frobnicate' in [loads]");
    CHECK(error_of({{"output-nosuch", "output", "1", 6}}) ==
          "run.ini:6: unknown key 'output-nosuch' in [output]");
    // Known options, but a file cannot name another file nor ask for what is no run.
    for (const std::string key : {"config", "help", "version", "list"}) {
        CAPTURE(key);
        CHECK(error_of({{key, "loads", "x", 1}}) == "run.ini:1: unknown key '" + key + "' in [loads]");
    }
    // Long names only: no abbreviation of a known option.
    CHECK(error_of({{"user", "loads", "2", 1}}) == "run.ini:1: unknown key 'user' in [loads]");
}

TEST_CASE("split_names: commas and blanks separate names, each kept once") {
    Strings names;
    split_names("json, junit", names);
    CHECK(names == Strings{"json", "junit"});
    split_names("junit\tcsv\nxml,,json", names);
    CHECK(names == Strings{"json", "junit", "csv", "xml"});
    split_names("", names);
    split_names(" , \n", names);
    CHECK(names.size() == 4);
}
