// The --test-runner command: words split as a POSIX shell splits them, then {test} filled in.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/usage_error.hpp"
#include "external/command_template.hpp"

using loads::host::expand_test;
using loads::host::split_command_line;
using loads::host::UsageError;
using Words = std::vector<std::string>;

namespace {

// The message of the UsageError that splitting `text` throws, or "" when it does not throw.
std::string split_error(std::string_view text) {
    try {
        split_command_line(text);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("command split: blanks separate words, runs of blanks count once") {
    CHECK(split_command_line("python3 runner.py {test}") == Words{"python3", "runner.py", "{test}"});
    CHECK(split_command_line("  a \t b\n\nc  ") == Words{"a", "b", "c"});
    CHECK(split_command_line("one") == Words{"one"});
}

TEST_CASE("command split: single quotes keep everything literally") {
    CHECK(split_command_line("'my runner' 'a \"b\" \\n $x'") == Words{"my runner", "a \"b\" \\n $x"});
    CHECK(split_command_line("a'b c'd") == Words{"ab cd"});
    CHECK(split_command_line("'line\nbreak'") == Words{"line\nbreak"});
}

TEST_CASE("command split: double quotes keep all but the four escapes and backslash-newline") {
    CHECK(split_command_line(R"(x "a \"b\" \\ \$ \` \n \q 'c'")") ==
          Words{"x", "a \"b\" \\ $ ` \\n \\q 'c'"});
    CHECK(split_command_line("\"ab\\\ncd\"") == Words{"abcd"});
    CHECK(split_command_line(R"("a b"c" d")") == Words{"a bc d"});
}

TEST_CASE("command split: outside quotes a backslash escapes the next character") {
    CHECK(split_command_line(R"(my\ runner \"q\" \\ \'s)") == Words{"my runner", "\"q\"", "\\", "'s"});
    CHECK(split_command_line("a\\\nb c") == Words{"ab", "c"});  // backslash-newline vanishes
    CHECK(split_command_line("a \\\n b") == Words{"a", "b"});   // and makes no word by itself
    CHECK(split_command_line(R"(\$HOME \* ~ a|b ; #c)") == Words{"$HOME", "*", "~", "a|b", ";", "#c"});
}

TEST_CASE("command split: '' and \"\" are empty words") {
    CHECK(split_command_line("cmd '' \"\" x") == Words{"cmd", "", "", "x"});
    CHECK(split_command_line("cmd ''") == Words{"cmd", ""});
    CHECK(split_command_line("cmd a''") == Words{"cmd", "a"});
}

TEST_CASE("command split: unterminated quotes, a trailing backslash and no command are usage errors") {
    CHECK(split_error("run 'abc") == "--test-runner: unterminated single quote (opened at character 5)");
    CHECK(split_error("run \"abc\\\"") == "--test-runner: unterminated double quote (opened at character 5)");
    CHECK(split_error("run abc\\") == "--test-runner: a trailing backslash escapes nothing");
    CHECK(split_error("") == "--test-runner: no command");
    CHECK(split_error(" \t\n ") == "--test-runner: no command");
    CHECK(split_error("\\\n") == "--test-runner: no command");
    CHECK(split_error("'' {test}") == "--test-runner: the program name is empty");
    CHECK(split_error("ok 'fine'") == "");
}

TEST_CASE("command expand: {test} becomes the FQN in every word, as often as it appears") {
    const Words words = split_command_line("run --name={test} '{test} and {test}' {test} {other} {tes}t");
    CHECK(expand_test(words, "mod.Class.test_x") == Words{"run", "--name=mod.Class.test_x",
                                                          "mod.Class.test_x and mod.Class.test_x",
                                                          "mod.Class.test_x", "{other}", "{tes}t"});
}

TEST_CASE("command expand: an FQN with blanks or quotes stays one word, and is not expanded again") {
    CHECK(expand_test({"r", "{test}"}, "a b 'c\"") == Words{"r", "a b 'c\""});
    CHECK(expand_test({"{test}{test}"}, "{test}") == Words{"{test}{test}"});
    CHECK(expand_test({"x{test}y"}, "") == Words{"xy"});
    CHECK(expand_test({"none"}, "f") == Words{"none"});
}
