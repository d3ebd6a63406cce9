#include "base/json_value.hpp"

#include <simdjson.h>

#include "base/json_writer.hpp"

namespace loads::host {

namespace {

// The value of an element whose type was just checked: the read cannot fail.
template <class T>
T read(simdjson::dom::element e) {
    T value{};
    if (e.get(value) != simdjson::SUCCESS) {
        return T{};
    }
    return value;
}

JsonValue convert(simdjson::dom::element e) {
    switch (e.type()) {
        case simdjson::dom::element_type::OBJECT: {
            simdjson::dom::object source;
            JsonValue::Object object;
            if (e.get(source) == simdjson::SUCCESS) {
                for (simdjson::dom::key_value_pair field : source) {
                    // A repeated key keeps its last value, as most JSON readers do.
                    object.insert_or_assign(std::string(field.key), convert(field.value));
                }
            }
            return JsonValue(std::move(object));
        }
        case simdjson::dom::element_type::ARRAY: {
            simdjson::dom::array source;
            JsonValue::Array array;
            if (e.get(source) == simdjson::SUCCESS) {
                for (simdjson::dom::element item : source) {
                    array.push_back(convert(item));
                }
            }
            return JsonValue(std::move(array));
        }
        case simdjson::dom::element_type::STRING:
            return JsonValue(std::string(read<std::string_view>(e)));
        case simdjson::dom::element_type::INT64:
            return JsonValue(read<std::int64_t>(e));
        case simdjson::dom::element_type::UINT64:
            // Beyond int64: no field of ours is that large, keep it as a number.
            return JsonValue(static_cast<double>(read<std::uint64_t>(e)));
        case simdjson::dom::element_type::DOUBLE:
            return JsonValue(read<double>(e));
        case simdjson::dom::element_type::BOOL:
            return JsonValue(read<bool>(e));
        case simdjson::dom::element_type::NULL_VALUE:
            break;
    }
    return JsonValue();
}

void dump_into(const JsonValue& v, JsonWriter& w) {
    if (const auto* object = v.as_object()) {
        w.begin_object();
        for (const auto& [key, value] : *object) {
            w.key(key);
            dump_into(value, w);
        }
        w.end_object();
    } else if (const auto* array = v.as_array()) {
        w.begin_array();
        for (const auto& item : *array) {
            dump_into(item, w);
        }
        w.end_array();
    } else if (const auto s = v.as_string()) {
        w.value(*s);
    } else if (const auto b = v.as_bool()) {
        w.value(*b);
    } else if (const auto i = v.as_int()) {
        w.value(*i);
    } else if (const auto d = v.as_number()) {
        w.value(*d);
    } else {
        w.null();
    }
}

}  // namespace

JsonValue JsonValue::parse(std::string_view text) {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (const auto error = parser.parse(padded).get(root); error != simdjson::SUCCESS) {
        throw JsonParseError(simdjson::error_message(error));
    }
    return convert(root);
}

const JsonValue* JsonValue::find(std::string_view key) const {
    const auto* object = as_object();
    if (object == nullptr) {
        return nullptr;
    }
    const auto it = object->find(key);
    return it == object->end() ? nullptr : &it->second;
}

std::optional<std::string_view> JsonValue::as_string() const {
    if (const auto* s = std::get_if<std::string>(&m_value)) {
        return *s;
    }
    return std::nullopt;
}

std::optional<std::int64_t> JsonValue::as_int() const {
    if (const auto* i = std::get_if<std::int64_t>(&m_value)) {
        return *i;
    }
    return std::nullopt;
}

std::optional<double> JsonValue::as_number() const {
    if (const auto* d = std::get_if<double>(&m_value)) {
        return *d;
    }
    if (const auto* i = std::get_if<std::int64_t>(&m_value)) {
        return static_cast<double>(*i);
    }
    return std::nullopt;
}

std::optional<bool> JsonValue::as_bool() const {
    if (const auto* b = std::get_if<bool>(&m_value)) {
        return *b;
    }
    return std::nullopt;
}

const JsonValue::Array* JsonValue::as_array() const {
    return std::get_if<Array>(&m_value);
}

const JsonValue::Object* JsonValue::as_object() const {
    return std::get_if<Object>(&m_value);
}

std::optional<std::string_view> JsonValue::string_at(std::string_view key) const {
    const JsonValue* v = find(key);
    return v ? v->as_string() : std::nullopt;
}

std::optional<std::int64_t> JsonValue::int_at(std::string_view key) const {
    const JsonValue* v = find(key);
    return v ? v->as_int() : std::nullopt;
}

std::optional<double> JsonValue::number_at(std::string_view key) const {
    const JsonValue* v = find(key);
    return v ? v->as_number() : std::nullopt;
}

std::optional<bool> JsonValue::bool_at(std::string_view key) const {
    const JsonValue* v = find(key);
    return v ? v->as_bool() : std::nullopt;
}

std::string JsonValue::dump() const {
    JsonWriter w;
    dump_into(*this, w);
    return w.take();
}

}  // namespace loads::host
