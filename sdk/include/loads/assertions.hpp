/// @file assertions.hpp
/// @brief unittest-style assertions; each failure is a loads::AssertionError with file:line.
///
/// The messages follow Python's unittest ("404 != 200", "'x' not found in 'abc'") so reports read
/// the same as the seed's. Values are printed with operator<< when they have one.
#pragma once

#include <algorithm>
#include <concepts>
#include <iterator>
#include <source_location>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "exceptions.hpp"

namespace loads {
namespace detail {

template <class T>
std::string repr(const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
        return value ? "true" : "false";
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
        if constexpr (std::is_pointer_v<T>) {
            if (value == nullptr) {
                return "nullptr";
            }
        }
        return "'" + std::string(std::string_view(value)) + "'";
    } else if constexpr (requires(std::ostream & os) { os << value; }) {
        std::ostringstream os;
        os << value;
        return os.str();
    } else {
        return "<object>";
    }
}

template <class T>
constexpr bool is_character_v =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char> ||
    std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> || std::is_same_v<T, char16_t> ||
    std::is_same_v<T, char32_t>;

template <class A, class B>
bool equal(const A& a, const B& b) {
    if constexpr (std::is_convertible_v<const A&, std::string_view> &&
                  std::is_convertible_v<const B&, std::string_view>) {
        // Text compares as text, so assertEqual(s.c_str(), "abc") does not compare pointers.
        return std::string_view(a) == std::string_view(b);
    } else if constexpr (std::is_integral_v<A> && std::is_integral_v<B> && !std::is_same_v<A, bool> &&
                         !std::is_same_v<B, bool> && !is_character_v<A> && !is_character_v<B>) {
        // Integers of mixed signedness compare by value, not by conversion (no -Wsign-compare traps).
        return std::cmp_equal(a, b);
    } else {
        return a == b;
    }
}

template <class M, class C>
bool contains(const M& member, const C& container) {
    if constexpr (std::is_convertible_v<const C&, std::string_view> &&
                  std::is_convertible_v<const M&, std::string_view>) {
        return std::string_view(container).find(std::string_view(member)) != std::string_view::npos;
    } else if constexpr (requires { container.contains(member); }) {
        return container.contains(member);
    } else {
        return std::find(std::begin(container), std::end(container), member) != std::end(container);
    }
}

inline std::string with_note(std::string message, std::string_view note) {
    if (!note.empty()) {
        message += " : ";
        message += note;
    }
    return message;
}

}  // namespace detail

/// The assertion methods, mixed into TestCase. Usable on their own in helper classes too.
class Assertions {
public:
    using where_t = std::source_location;

    template <class A, class B>
    void assertEqual(const A& first, const B& second, std::string_view note = {},
                     where_t where = where_t::current()) const {
        if (!detail::equal(first, second)) {
            fail(detail::with_note(detail::repr(first) + " != " + detail::repr(second), note), where);
        }
    }
    template <class A, class B>
    void assertNotEqual(const A& first, const B& second, std::string_view note = {},
                        where_t where = where_t::current()) const {
        if (detail::equal(first, second)) {
            fail(detail::with_note(detail::repr(first) + " == " + detail::repr(second), note), where);
        }
    }
    template <class T>
    void assertTrue(const T& value, std::string_view note = {}, where_t where = where_t::current()) const {
        if (!static_cast<bool>(value)) {
            fail(detail::with_note(detail::repr(value) + " is not true", note), where);
        }
    }
    template <class T>
    void assertFalse(const T& value, std::string_view note = {}, where_t where = where_t::current()) const {
        if (static_cast<bool>(value)) {
            fail(detail::with_note(detail::repr(value) + " is not false", note), where);
        }
    }
    /// `member` in `container`: a substring of a string, a key of a map/set, an element of a range.
    template <class M, class C>
    void assertIn(const M& member, const C& container, std::string_view note = {},
                  where_t where = where_t::current()) const {
        if (!detail::contains(member, container)) {
            fail(detail::with_note(detail::repr(member) + " not found in " + detail::repr(container), note),
                 where);
        }
    }
    template <class M, class C>
    void assertNotIn(const M& member, const C& container, std::string_view note = {},
                     where_t where = where_t::current()) const {
        if (detail::contains(member, container)) {
            fail(detail::with_note(detail::repr(member) + " unexpectedly found in " + detail::repr(container),
                                   note),
                 where);
        }
    }
    /// Fails the test with `message`.
    [[noreturn]] void fail(std::string_view message, where_t where = where_t::current()) const {
        throw AssertionError(std::string(message), where);
    }
};

}  // namespace loads
