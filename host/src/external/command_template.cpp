#include "external/command_template.hpp"

#include <cstddef>

#include "base/usage_error.hpp"

namespace loads::host {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

// Inside double quotes a backslash only escapes the characters that would otherwise end or
// expand something there (POSIX "Double-Quotes"); before any other character it is kept.
bool escapable_in_double_quotes(char c) {
    return c == '"' || c == '\\' || c == '$' || c == '`';
}

[[noreturn]] void fail(const std::string& what) {
    throw UsageError("--test-runner: " + what);
}

std::string position(std::size_t index) {
    return "(opened at character " + std::to_string(index + 1) + ")";
}

}  // namespace

std::vector<std::string> split_command_line(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    // A word exists once any of its characters (or an empty pair of quotes) has been read: `''` is
    // an empty word, while blanks alone make none.
    bool in_word = false;
    std::size_t i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        const char c = text[i];
        if (is_blank(c)) {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
            ++i;
        } else if (c == '\'') {
            const std::size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos) {
                fail("unterminated single quote " + position(i));
            }
            word.append(text.substr(i + 1, close - i - 1));
            in_word = true;
            i = close + 1;
        } else if (c == '"') {
            const std::size_t open = i;
            ++i;
            bool closed = false;
            while (i < n) {
                const char d = text[i];
                if (d == '"') {
                    closed = true;
                    ++i;
                    break;
                }
                if (d == '\\' && i + 1 < n && text[i + 1] == '\n') {
                    i += 2;  // a line continuation: both characters vanish
                } else if (d == '\\' && i + 1 < n && escapable_in_double_quotes(text[i + 1])) {
                    word += text[i + 1];
                    i += 2;
                } else {
                    word += d;
                    ++i;
                }
            }
            if (!closed) {
                fail("unterminated double quote " + position(open));
            }
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= n) {
                fail("a trailing backslash escapes nothing");
            }
            if (text[i + 1] != '\n') {
                word += text[i + 1];
                in_word = true;
            }
            i += 2;
        } else {
            word += c;
            in_word = true;
            ++i;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    if (words.empty()) {
        fail("no command");
    }
    if (words.front().empty()) {
        fail("the program name is empty");
    }
    return words;
}

std::vector<std::string> expand_test(std::vector<std::string> words, std::string_view fqn) {
    constexpr std::string_view placeholder = "{test}";
    for (std::string& word : words) {
        for (std::size_t at = word.find(placeholder); at != std::string::npos;
             at = word.find(placeholder, at + fqn.size())) {
            word.replace(at, placeholder.size(), fqn);
        }
    }
    return words;
}

}  // namespace loads::host
