/// @file json.hpp
/// @brief loads::Json: a parsed JSON document (simdjson's DOM), what Response::json() returns.
///
/// @code
/// auto doc = session.get(server_url + "/json").json();
/// assertEqual(doc["name"].as_string(), "loads");
/// assertEqual(doc["users"][2].as_int(), 3);
/// assertTrue(doc["nested"]["ok"].as_bool());
/// @endcode
///
/// Every value shares the document it came from, so it may outlive the Json it was read from.
/// A missing key, an index out of range or a value read as the wrong type raises JsonError (an
/// error in the report) naming what was expected and what is there.
///
/// Plugins that use it link libsimdjson (loads-build and loads_add_test_plugin do).
#pragma once

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "exceptions.hpp"

namespace loads {

class Json {
public:
    using where_t = std::source_location;

    /// Parses `text`. @param origin named in the error message (e.g. the response's URL).
    /// @throws JsonError with simdjson's reason and the start of the text.
    static Json parse(std::string_view text, std::string_view origin = {},
                      where_t where = where_t::current()) {
        auto parser = std::make_shared<simdjson::dom::parser>();
        simdjson::dom::element root;
        const auto error = parser->parse(text.data(), text.size()).get(root);
        if (error) {
            std::string excerpt(text.substr(0, 60));
            for (char& c : excerpt) {
                c = (c == '\r' || c == '\n') ? ' ' : c;
            }
            throw JsonError("invalid JSON" +
                                (origin.empty() ? std::string() : " from " + std::string(origin)) + ": " +
                                simdjson::error_message(error) + " (the body begins '" + excerpt +
                                (text.size() > 60 ? "...'" : "'") + ")",
                            where);
        }
        return Json(std::move(parser), root, "$");
    }

    /// The member `key` of an object. @throws JsonError when this is no object or has no `key`.
    Json operator[](std::string_view key) const { return at(key); }
    Json at(std::string_view key, where_t where = where_t::current()) const {
        const std::string path = m_path + "." + std::string(key);
        simdjson::dom::object object;
        if (m_value.get(object)) {
            throw JsonError(m_path + " is " + type_name() + ", not an object (reading " + path + ")", where);
        }
        simdjson::dom::element member;
        if (object.at_key(key).get(member)) {
            throw JsonError("no key '" + std::string(key) + "' in " + m_path, where);
        }
        return Json(m_document, member, path);
    }
    /// Element `index` of an array. @throws JsonError when this is no array or too short.
    Json operator[](std::size_t index) const { return at(index); }
    Json operator[](int index) const { return at(static_cast<std::size_t>(index)); }
    Json at(std::size_t index, where_t where = where_t::current()) const {
        const std::string path = m_path + "[" + std::to_string(index) + "]";
        simdjson::dom::array array;
        if (m_value.get(array)) {
            throw JsonError(m_path + " is " + type_name() + ", not an array (reading " + path + ")", where);
        }
        simdjson::dom::element element;
        if (array.at(index).get(element)) {
            throw JsonError(
                path + " is out of range: " + m_path + " has " + std::to_string(array.size()) + " elements",
                where);
        }
        return Json(m_document, element, path);
    }

    /// True when this is an object with the member `key`.
    bool contains(std::string_view key) const {
        simdjson::dom::object object;
        simdjson::dom::element ignored;
        return !m_value.get(object) && !object.at_key(key).get(ignored);
    }
    /// Members of an object or elements of an array; 0 for anything else.
    std::size_t size() const {
        simdjson::dom::object object;
        if (!m_value.get(object)) {
            return object.size();
        }
        simdjson::dom::array array;
        return m_value.get(array) ? 0 : array.size();
    }

    bool is_null() const { return m_value.is_null(); }
    bool is_object() const { return m_value.is_object(); }
    bool is_array() const { return m_value.is_array(); }
    bool is_string() const { return m_value.is_string(); }
    bool is_number() const { return m_value.is_number(); }
    bool is_bool() const { return m_value.is_bool(); }

    std::string as_string(where_t where = where_t::current()) const {
        return std::string(get<std::string_view>("a string", where));
    }
    std::int64_t as_int(where_t where = where_t::current()) const {
        return get<std::int64_t>("an integer", where);
    }
    double as_double(where_t where = where_t::current()) const { return get<double>("a number", where); }
    bool as_bool(where_t where = where_t::current()) const { return get<bool>("a boolean", where); }

    /// "object", "array", "string", "number", "boolean" or "null".
    std::string type_name() const {
        switch (m_value.type()) {
            case simdjson::dom::element_type::OBJECT:
                return "an object";
            case simdjson::dom::element_type::ARRAY:
                return "an array";
            case simdjson::dom::element_type::STRING:
                return "a string";
            case simdjson::dom::element_type::BOOL:
                return "a boolean";
            case simdjson::dom::element_type::NULL_VALUE:
                return "null";
            default:
                return "a number";
        }
    }
    /// The value as minified JSON text.
    std::string dump() const { return simdjson::minify(m_value); }
    /// The simdjson element, for everything else simdjson offers. Valid while this Json (or any
    /// value of the same document) lives.
    simdjson::dom::element element() const noexcept { return m_value; }
    /// Where this value sits in the document, e.g. `$.users[2]`.
    const std::string& path() const noexcept { return m_path; }

private:
    Json(std::shared_ptr<simdjson::dom::parser> document, simdjson::dom::element value, std::string path)
        : m_document(std::move(document)), m_value(value), m_path(std::move(path)) {}

    template <class T>
    T get(const char* expected, where_t where) const {
        T out{};
        if (m_value.get(out)) {
            throw JsonError(m_path + " is " + type_name() + ", not " + expected, where);
        }
        return out;
    }

    std::shared_ptr<simdjson::dom::parser> m_document;
    simdjson::dom::element m_value;
    std::string m_path;
};

}  // namespace loads
