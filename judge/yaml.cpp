#include "judge/yaml.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace judge {
namespace {

using nlohmann::json;

// Nesting deeper than this is refused: a hostile file of a thousand
// indentation levels or brackets must not exhaust the stack.
constexpr int kMaxDepth = 64;
// Larger documents are refused before any parsing: a package's YAML is a few
// lines, and the parse's memory grows with the text.
constexpr std::size_t kMaxBytes = 1 << 20;

[[noreturn]] void fail(int line, const std::string& what) {
    throw YamlError("line " + std::to_string(line) + ": " + what);
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// Where `s` stops being UTF-8 (overlong forms, surrogates and code points
// past U+10FFFF included), or npos. YAML is UTF-8, and a string that is not
// could not be written out as JSON.
std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0, min = 0;
        if (b < 0x80) {
            ++i;
            continue;
        }
        if ((b & 0xE0) == 0xC0) n = 1, cp = b & 0x1F, min = 0x80;
        else if ((b & 0xF0) == 0xE0) n = 2, cp = b & 0x0F, min = 0x800;
        else if ((b & 0xF8) == 0xF0) n = 3, cp = b & 0x07, min = 0x10000;
        else return i;
        if (s.size() - i <= n) return i;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (c & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

// Where a "#" comment starts in a plain context (a "#" at the start or after
// whitespace), or npos.
std::size_t comment_start(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) return i;
    }
    return std::string_view::npos;
}

bool blank_or_comment(std::string_view s) {
    s = trim_left(s);
    return s.empty() || s.front() == '#';
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

// [-+]? (digits (. digits?)? | . digits) ([eE] [-+]? digits)?
bool looks_float(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t int_digits = 0, frac_digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
    }
    if (int_digits + frac_digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!all_digits(s.substr(i))) return false;
        return true;
    }
    return i == s.size();
}

// The type of a plain scalar (YAML 1.2 core schema, trimmed down).
json resolve_plain(std::string_view s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    std::string lower;
    for (char c : s) lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower == "true") return true;
    if (lower == "false") return false;
    std::string_view digits = s;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    const bool negative = !digits.empty() && digits.front() == '-';
    if (all_digits(negative ? digits.substr(1) : digits)) {
        std::int64_t v = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) return v;
        // Too large for 64 bits: fall through to a float.
    }
    if (looks_float(s)) {
        double d = 0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), d);
        if (r.ec == std::errc() && r.ptr == digits.data() + digits.size()) return d;
    }
    return std::string(s);
}

// A cursor over a piece of text that may span several lines (joined with
// "\n"), for flow collections and quoted scalars; knows its line number.
struct Cursor {
    std::string_view s;
    std::size_t i = 0;
    int first_line = 1;

    bool done() const { return i >= s.size(); }
    char peek() const { return i < s.size() ? s[i] : '\0'; }
    // Counts on from the last answer: every quoted scalar and flow key asks,
    // and a recount from the start each time made a long flow collection
    // quadratic (800 KB of ["x", ...] took minutes).
    int line() const {
        const std::size_t end = std::min(i, s.size());
        if (end < counted_to_) counted_to_ = 0, counted_lines_ = 0;
        for (; counted_to_ < end; ++counted_to_) counted_lines_ += s[counted_to_] == '\n' ? 1 : 0;
        return first_line + counted_lines_;
    }
    mutable std::size_t counted_to_ = 0;  // line()'s memo: newlines in s[0, counted_to_)
    mutable int counted_lines_ = 0;
};

void skip_ws(Cursor& c) {
    while (!c.done()) {
        const char ch = c.peek();
        if (is_space(ch) || ch == '\n') {
            ++c.i;
        } else if (ch == '#' && (c.i == 0 || is_space(c.s[c.i - 1]) || c.s[c.i - 1] == '\n')) {
            while (!c.done() && c.peek() != '\n') ++c.i;
        } else {
            break;
        }
    }
}

// Folds a line break inside a quoted scalar: the break and the whitespace
// around it become one space, or n newlines for n empty lines. c.i is at the
// "\n".
void fold_break(Cursor& c, std::string& out) {
    while (!out.empty() && is_space(out.back())) out.pop_back();
    int empty_lines = 0;
    while (c.peek() == '\n') {
        ++c.i;
        while (is_space(c.peek())) ++c.i;
        if (c.peek() == '\n') ++empty_lines;
    }
    if (empty_lines == 0) {
        out += ' ';
    } else {
        out.append(static_cast<std::size_t>(empty_lines), '\n');
    }
}

unsigned hex_value(Cursor& c, int digits) {
    unsigned v = 0;
    for (int k = 0; k < digits; ++k) {
        const char h = c.peek();
        unsigned d = 0;
        if (h >= '0' && h <= '9') {
            d = static_cast<unsigned>(h - '0');
        } else if (h >= 'a' && h <= 'f') {
            d = static_cast<unsigned>(h - 'a' + 10);
        } else if (h >= 'A' && h <= 'F') {
            d = static_cast<unsigned>(h - 'A' + 10);
        } else {
            fail(c.line(), "bad hexadecimal digit in an escape");
        }
        v = v * 16 + d;
        ++c.i;
    }
    return v;
}

// A quoted scalar at c (on its opening quote). Returns false, with c where
// it was, when the closing quote is missing and `must_close` is false.
bool scan_quoted(Cursor& c, std::string& out, bool must_close) {
    const std::size_t start = c.i;
    const int start_line = c.line();
    const char q = c.peek();
    ++c.i;
    out.clear();
    while (!c.done()) {
        const char ch = c.peek();
        if (ch == q) {
            if (q == '\'' && c.i + 1 < c.s.size() && c.s[c.i + 1] == '\'') {
                out += '\'';
                c.i += 2;
                continue;
            }
            ++c.i;
            return true;
        }
        if (ch == '\n') {
            fold_break(c, out);
            continue;
        }
        if (q == '"' && ch == '\\') {
            ++c.i;
            if (c.done()) break;
            const char e = c.peek();
            ++c.i;
            switch (e) {
                case '0': out += '\0'; break;
                case 'a': out += '\a'; break;
                case 'b': out += '\b'; break;
                case 't':
                case '\t': out += '\t'; break;
                case 'n': out += '\n'; break;
                case 'v': out += '\v'; break;
                case 'f': out += '\f'; break;
                case 'r': out += '\r'; break;
                case 'e': out += '\x1b'; break;
                case ' ': out += ' '; break;
                case '"': out += '"'; break;
                case '/': out += '/'; break;
                case '\\': out += '\\'; break;
                case '\n':  // an escaped line break joins the lines without a space
                    while (is_space(c.peek())) ++c.i;
                    break;
                case 'x': append_utf8(out, hex_value(c, 2)); break;
                case 'u':
                case 'U': {
                    std::uint32_t cp = hex_value(c, e == 'u' ? 4 : 8);
                    if (cp >= 0xD800 && cp <= 0xDBFF && c.s.substr(c.i, 2) == "\\u") {
                        c.i += 2;
                        const std::uint32_t low = hex_value(c, 4);
                        if (low < 0xDC00 || low > 0xDFFF) fail(c.line(), "bad UTF-16 surrogate pair in an escape");
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                    }
                    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) fail(c.line(), "bad code point in an escape");
                    append_utf8(out, cp);
                    break;
                }
                default: fail(c.line(), std::string("unknown escape \"\\") + e + "\" in a double-quoted string");
            }
            continue;
        }
        out += ch;
        ++c.i;
    }
    if (must_close)
        fail(start_line, q == '"' ? "unterminated double-quoted string" : "unterminated single-quoted string");
    c.i = start;
    return false;
}

void refuse_indicator(char ch, int line) {
    switch (ch) {
        case '&': fail(line, "anchors are not supported");
        case '*': fail(line, "aliases are not supported");
        case '!': fail(line, "tags are not supported");
        case '@':
        case '`': fail(line, std::string("\"") + ch + "\" cannot start a plain scalar");
        default: break;
    }
}

// Flow collections ([a, b], {a: 1}) and the scalars inside them.
class FlowParser {
public:
    explicit FlowParser(Cursor& c) : c_(c) {}

    json node(int depth) {
        skip_ws(c_);
        if (depth > kMaxDepth) fail(c_.line(), "nested too deeply");
        const char ch = c_.peek();
        if (ch == '[') return sequence(depth);
        if (ch == '{') return mapping(depth);
        if (ch == '"' || ch == '\'') {
            std::string out;
            scan_quoted(c_, out, true);
            return out;
        }
        if (ch == ']' || ch == '}' || ch == ',' || ch == '\0') fail(c_.line(), "expected a value in a flow collection");
        if (ch == '?' && is_space_or_end(c_.i + 1)) fail(c_.line(), "complex keys are not supported");
        refuse_indicator(ch, c_.line());
        return resolve_plain(plain());
    }

private:
    bool is_space_or_end(std::size_t k) const { return k >= c_.s.size() || is_space(c_.s[k]) || c_.s[k] == '\n'; }

    // A plain scalar inside a flow collection: ends at , [ ] { }, at ": ",
    // or at a comment; line breaks fold into spaces.
    std::string plain() {
        std::string out;
        while (!c_.done()) {
            const char ch = c_.peek();
            if (ch == ',' || ch == '[' || ch == ']' || ch == '{' || ch == '}') break;
            if (ch == ':' && (is_space_or_end(c_.i + 1) || c_.s[c_.i + 1] == ',' || c_.s[c_.i + 1] == ']' ||
                              c_.s[c_.i + 1] == '}')) {
                break;
            }
            if (ch == '#' && c_.i > 0 && (is_space(c_.s[c_.i - 1]) || c_.s[c_.i - 1] == '\n')) break;
            if (ch == '\n') {
                while (!out.empty() && is_space(out.back())) out.pop_back();
                out += ' ';
                ++c_.i;
                while (is_space(c_.peek())) ++c_.i;
                continue;
            }
            out += ch;
            ++c_.i;
        }
        return std::string(trim(out));
    }

    json sequence(int depth) {
        json arr = json::array();
        ++c_.i;  // [
        for (;;) {
            skip_ws(c_);
            if (c_.peek() == ']') {
                ++c_.i;
                return arr;
            }
            arr.push_back(node(depth + 1));
            skip_ws(c_);
            if (c_.peek() == ':') fail(c_.line(), "key: value pairs inside [ ] are not supported");
            if (c_.peek() == ',') {
                ++c_.i;
            } else if (c_.peek() != ']') {
                fail(c_.line(),
                     c_.done() ? "unterminated flow sequence" : "expected \",\" or \"]\" in a flow sequence");
            }
        }
    }

    json mapping(int depth) {
        json obj = json::object();
        ++c_.i;  // {
        for (;;) {
            skip_ws(c_);
            if (c_.peek() == '}') {
                ++c_.i;
                return obj;
            }
            const int key_line = c_.line();
            std::string key;
            const char ch = c_.peek();
            if (ch == '"' || ch == '\'') {
                scan_quoted(c_, key, true);
            } else {
                if (ch == '[' || ch == '{' || (ch == '?' && is_space_or_end(c_.i + 1))) {
                    fail(key_line, "complex keys are not supported");
                }
                if (ch == ',' || ch == ':' || ch == '\0') fail(key_line, "expected a key in a flow mapping");
                refuse_indicator(ch, key_line);
                key = plain();
            }
            skip_ws(c_);
            json value;
            if (c_.peek() == ':') {
                ++c_.i;
                skip_ws(c_);
                if (c_.peek() != ',' && c_.peek() != '}') value = node(depth + 1);
            }
            if (obj.contains(key)) fail(key_line, "duplicate key \"" + key + "\"");
            obj[key] = std::move(value);
            skip_ws(c_);
            if (c_.peek() == ',') {
                ++c_.i;
            } else if (c_.peek() != '}') {
                fail(c_.line(), c_.done() ? "unterminated flow mapping" : "expected \",\" or \"}\" in a flow mapping");
            }
        }
    }

    Cursor& c_;
};

struct Line {
    int no = 0;        // 1-based
    int indent = 0;    // leading spaces
    std::string text;  // after the indentation, comments included
};

class BlockParser {
public:
    explicit BlockParser(std::string_view text) {
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
        int no = 0;
        while (!text.empty() || no == 0) {
            ++no;
            const std::size_t nl = text.find('\n');
            std::string_view raw = text.substr(0, nl);
            text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
            if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
            for (char ch : raw) {
                const auto u = static_cast<unsigned char>(ch);
                if ((u < 0x20 && ch != '\t') || u == 0x7F) fail(no, "control character in the text");
            }
            Line l;
            l.no = no;
            while (static_cast<std::size_t>(l.indent) < raw.size() && raw[static_cast<std::size_t>(l.indent)] == ' ') {
                ++l.indent;
            }
            l.text = std::string(raw.substr(static_cast<std::size_t>(l.indent)));
            lines_.push_back(std::move(l));
            if (nl == std::string_view::npos) break;
        }
    }

    json document() {
        const Line* l = next_content(true);
        if (l != nullptr && l->indent == 0 && l->text.front() == '%') fail(l->no, "directives are not supported");
        if (l != nullptr && is_marker(*l, "---")) {
            if (!blank_or_comment(std::string_view(l->text).substr(3))) {
                fail(l->no, "content on the \"---\" line is not supported");
            }
            ++pos_;
        }
        json doc = block(-1, 0);
        l = next_content(true);
        if (l != nullptr && is_marker(*l, "...")) {
            if (!blank_or_comment(std::string_view(l->text).substr(3))) fail(l->no, "content after \"...\"");
            ++pos_;
            l = next_content(true);
            if (l != nullptr) {
                fail(l->no, is_marker(*l, "---") ? "multiple documents are not supported"
                                                 : "content after the end of the document");
            }
        }
        if (l != nullptr) {
            fail(l->no, is_marker(*l, "---") ? "multiple documents are not supported" : "unexpected content");
        }
        return doc;
    }

private:
    static bool is_marker(const Line& l, std::string_view m) {
        return l.indent == 0 && std::string_view(l.text).substr(0, 3) == m &&
               (l.text.size() == 3 || is_space(l.text[3]));
    }

    static bool is_seq_entry(std::string_view t) {
        return !t.empty() && t[0] == '-' && (t.size() == 1 || is_space(t[1]));
    }

    // The next line with content, skipping blank and comment lines; nullptr
    // at the end or (unless `markers`) at a document marker.
    const Line* next_content(bool markers = false) {
        while (pos_ < lines_.size() && blank_or_comment(lines_[pos_].text)) ++pos_;
        if (pos_ >= lines_.size()) return nullptr;
        const Line& l = lines_[pos_];
        if (l.text.front() == '\t') fail(l.no, "tab in indentation");
        if (!markers && (is_marker(l, "---") || is_marker(l, "..."))) return nullptr;
        return &l;
    }

    // Where a block mapping key ends ("key: ..."): the key (unquoted) and
    // the offset of what follows the colon; nullopt when the line is not a
    // "key:" line.
    std::optional<std::pair<std::string, std::size_t>> find_key(const Line& l) const {
        const std::string_view t = l.text;
        if (t.empty()) return std::nullopt;
        if (t[0] == '?' && (t.size() == 1 || is_space(t[1]))) fail(l.no, "complex keys are not supported");
        if (t[0] == '[' || t[0] == '{') return std::nullopt;
        if (t[0] == '"' || t[0] == '\'') {
            Cursor c{t, 0, l.no};
            std::string key;
            if (!scan_quoted(c, key, false)) return std::nullopt;
            while (is_space(c.peek())) ++c.i;
            if (c.peek() == ':' && (c.i + 1 >= t.size() || is_space(t[c.i + 1]))) {
                return std::make_pair(std::move(key), c.i + 1);
            }
            return std::nullopt;
        }
        for (std::size_t i = 0; i < t.size(); ++i) {
            if (t[i] == '#' && i > 0 && is_space(t[i - 1])) return std::nullopt;
            if (t[i] == ':' && (i + 1 == t.size() || is_space(t[i + 1]))) {
                const std::string_view key = trim(t.substr(0, i));
                if (key.empty()) fail(l.no, "empty key");
                refuse_indicator(key.front(), l.no);
                return std::make_pair(std::string(key), i + 1);
            }
        }
        return std::nullopt;
    }

    // The node whose lines are indented more than `parent`; null if none.
    json block(int parent, int depth) {
        const Line* l = next_content();
        if (l == nullptr || l->indent <= parent) return nullptr;
        return node_at(parent, depth);
    }

    // The node starting at the current line (indented more than `parent`).
    json node_at(int parent, int depth) {
        const Line& l = lines_[pos_];
        if (depth > kMaxDepth) fail(l.no, "nested too deeply");
        if (is_seq_entry(l.text)) return sequence(l.indent, depth);
        if (find_key(l)) return mapping(l.indent, depth);
        return value(l.text, parent, depth);
    }

    json mapping(int indent, int depth) {
        json obj = json::object();
        for (;;) {
            const Line* l = next_content();
            if (l == nullptr || l->indent < indent) break;
            if (l->indent > indent) fail(l->no, "unexpected indentation");
            if (is_seq_entry(l->text)) fail(l->no, "a sequence entry where a mapping key was expected");
            auto key = find_key(*l);
            if (!key) fail(l->no, "expected \"key: value\"");
            if (obj.contains(key->first)) fail(l->no, "duplicate key \"" + key->first + "\"");
            const std::string_view rest = trim_left(std::string_view(l->text).substr(key->second));
            json v;
            if (rest.empty() || rest.front() == '#') {
                ++pos_;
                // A sequence may sit at its key's indentation ("key:\n- a").
                const Line* n = next_content();
                if (n != nullptr && n->indent == indent && is_seq_entry(n->text)) {
                    v = sequence(indent, depth + 1);
                } else {
                    v = block(indent, depth + 1);
                }
            } else {
                v = value(rest, indent, depth + 1);
            }
            obj[key->first] = std::move(v);
        }
        return obj;
    }

    json sequence(int indent, int depth) {
        json arr = json::array();
        for (;;) {
            const Line* l = next_content();
            if (l == nullptr || l->indent < indent) break;
            if (l->indent > indent) fail(l->no, "unexpected indentation");
            if (!is_seq_entry(l->text)) break;  // the enclosing mapping's next key, or its error
            std::size_t k = 1;
            while (k < l->text.size() && l->text[k] == ' ') ++k;
            if (k < l->text.size() && l->text[k] == '\t') fail(l->no, "tab in indentation");
            if (blank_or_comment(std::string_view(l->text).substr(k))) {
                ++pos_;
                arr.push_back(block(indent, depth + 1));
                continue;
            }
            // "- key: v" or "- - x": the rest of the line is a node of its
            // own, indented to where it starts.
            Line& cur = lines_[pos_];
            cur.indent += static_cast<int>(k);
            cur.text.erase(0, k);
            arr.push_back(node_at(indent, depth + 1));
        }
        return arr;
    }

    // A value that starts at `text` on the current line: a block scalar, a
    // flow collection, a quoted or a plain scalar (the last three may
    // continue on following lines).
    json value(std::string_view text, int parent, int depth) {
        const int no = lines_[pos_].no;
        const char ch = text.front();
        if (ch == '|' || ch == '>') return block_scalar(text, parent);
        if (ch == '[' || ch == '{') return flow(text, depth);
        if (ch == '"' || ch == '\'') return quoted(text);
        refuse_indicator(ch, no);
        if (is_seq_entry(text)) fail(no, "a sequence entry is not allowed here");
        if ((ch == '?' || ch == ':') && (text.size() == 1 || is_space(text[1])))
            fail(no, "complex keys are not supported");
        if (ch == ']' || ch == '}' || ch == ',') fail(no, std::string("unexpected \"") + ch + "\"");
        return resolve_plain(plain(text, parent));
    }

    static void refuse_colon(std::string_view s, int no) {
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == ':' && (i + 1 == s.size() || is_space(s[i + 1]))) {
                fail(no, "mapping values are not allowed here (quote the value?)");
            }
        }
    }

    std::string plain(std::string_view text, int parent) {
        const int no = lines_[pos_].no;
        std::size_t cut = comment_start(text);
        std::string out(trim(text.substr(0, cut)));
        refuse_colon(out, no);
        ++pos_;
        if (cut != std::string_view::npos) return out;
        // Continuation lines, indented more than the parent, fold into one.
        int empty_lines = 0;
        while (pos_ < lines_.size()) {
            const Line& l = lines_[pos_];
            const std::string_view t = trim(l.text);
            if (t.empty()) {
                ++empty_lines;
                ++pos_;
                continue;
            }
            if (t.front() == '#' || l.indent <= parent || is_marker(l, "---") || is_marker(l, "...")) break;
            if (l.text.front() == '\t') fail(l.no, "tab in indentation");
            cut = comment_start(t);
            const std::string_view piece = trim(t.substr(0, cut));
            refuse_colon(piece, l.no);
            if (empty_lines > 0) {
                out.append(static_cast<std::size_t>(empty_lines), '\n');
            } else {
                out += ' ';
            }
            empty_lines = 0;
            out += piece;
            ++pos_;
            if (cut != std::string_view::npos) break;
        }
        return out;
    }

    // Joins the current line's `text` with following lines until `closed`
    // says the construct is complete; returns the joined text.
    template <typename Closed>
    std::string gather(std::string_view text, Closed closed, const char* unterminated) {
        const int no = lines_[pos_].no;
        std::string joined(text);
        std::size_t scanned = 0;
        std::size_t last = pos_;
        for (;;) {
            if (closed(joined, scanned)) break;
            if (last + 1 >= lines_.size()) fail(no, unterminated);
            ++last;
            joined += '\n';
            joined += lines_[last].text;
        }
        pos_ = last + 1;
        return joined;
    }

    json quoted(std::string_view text) {
        const int no = lines_[pos_].no;
        const char q = text.front();
        bool escaped = false;
        // Find the closing quote with a linear scan before parsing.
        auto closed = [&](const std::string& s, std::size_t& i) {
            if (i == 0) i = 1;
            for (; i < s.size(); ++i) {
                const char ch = s[i];
                if (escaped) {
                    escaped = false;
                } else if (q == '"' && ch == '\\') {
                    escaped = true;
                } else if (ch == q) {
                    if (q == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                        ++i;  // '' is an escaped quote
                    } else {
                        return true;
                    }
                }
            }
            return false;
        };
        const std::string joined =
            gather(text, closed, q == '"' ? "unterminated double-quoted string" : "unterminated single-quoted string");
        Cursor c{joined, 0, no};
        std::string out;
        scan_quoted(c, out, true);
        const std::string_view after = std::string_view(joined).substr(c.i);
        if (!blank_or_comment(after)) {
            const std::string_view t = trim(after);
            if (!t.empty() && t.front() == ':')
                fail(c.line(), "\":\" right after a quoted string: a key needs \": \" on one line");
            fail(c.line(), "unexpected text after a quoted string");
        }
        return out;
    }

    json flow(std::string_view text, int depth) {
        const int no = lines_[pos_].no;
        int level = 0;
        char quote = 0;
        bool escaped = false;
        bool in_comment = false;
        auto closed = [&](const std::string& s, std::size_t& i) {
            for (; i < s.size(); ++i) {
                const char ch = s[i];
                if (in_comment) {
                    if (ch == '\n') in_comment = false;
                } else if (quote != 0) {
                    if (escaped) {
                        escaped = false;
                    } else if (quote == '"' && ch == '\\') {
                        escaped = true;
                    } else if (ch == quote) {
                        quote = 0;  // a '' pair reopens at once: harmless for depth counting
                    }
                } else if (ch == '"' || ch == '\'') {
                    quote = ch;
                } else if (ch == '#' && (i == 0 || is_space(s[i - 1]) || s[i - 1] == '\n')) {
                    in_comment = true;
                } else if (ch == '[' || ch == '{') {
                    ++level;
                } else if (ch == ']' || ch == '}') {
                    if (--level == 0) {
                        ++i;
                        return true;
                    }
                }
            }
            return false;
        };
        const std::string joined = gather(text, closed, "unterminated flow collection");
        Cursor c{joined, 0, no};
        FlowParser p(c);
        json v = p.node(depth);
        skip_ws(c);
        if (!c.done()) fail(c.line(), "unexpected text after a flow collection");
        return v;
    }

    // A literal (|) or folded (>) block scalar whose header is `text`; its
    // lines are those indented more than `parent`.
    json block_scalar(std::string_view text, int parent) {
        const int no = lines_[pos_].no;
        const bool literal = text.front() == '|';
        char chomp = 'c';  // clip
        std::string_view h = text.substr(1);
        if (!h.empty() && (h.front() == '-' || h.front() == '+')) {
            chomp = h.front();
            h.remove_prefix(1);
        }
        if (!h.empty() && h.front() >= '0' && h.front() <= '9') fail(no, "indentation indicators are not supported");
        if (!h.empty() && !is_space(h.front()) && h.front() != '#') fail(no, "bad block scalar header");
        if (!blank_or_comment(h)) fail(no, "text after a block scalar header");
        ++pos_;

        int content_indent = -1;
        std::vector<std::string> body;
        while (pos_ < lines_.size()) {
            const Line& l = lines_[pos_];
            if (l.text.empty()) {  // only spaces
                body.emplace_back();
                ++pos_;
                continue;
            }
            if (content_indent < 0) {
                if (l.indent <= parent) break;
                content_indent = l.indent;
            }
            if (l.indent < content_indent || is_marker(l, "---") || is_marker(l, "...")) break;
            body.push_back(std::string(static_cast<std::size_t>(l.indent - content_indent), ' ') + l.text);
            ++pos_;
        }
        std::size_t trailing = 0;
        while (!body.empty() && body.back().empty()) {
            body.pop_back();
            ++trailing;
        }
        std::string out;
        if (literal) {
            for (std::size_t i = 0; i < body.size(); ++i) {
                if (i > 0) out += '\n';
                out += body[i];
            }
        } else {
            bool first = true, prev_more = false;
            std::size_t empty = 0;
            for (const std::string& b : body) {
                if (b.empty()) {
                    ++empty;
                    continue;
                }
                const bool more = is_space(b.front());
                if (first) {
                    out.append(empty, '\n');
                } else if (prev_more || more) {
                    out.append(empty + 1, '\n');
                } else if (empty > 0) {
                    out.append(empty, '\n');
                } else {
                    out += ' ';
                }
                out += b;
                first = false;
                prev_more = more;
                empty = 0;
            }
        }
        if (chomp != '-' && !body.empty()) out += '\n';
        if (chomp == '+') out.append(trailing, '\n');
        return out;
    }

    std::vector<Line> lines_;
    std::size_t pos_ = 0;
};

}  // namespace

nlohmann::json parse_yaml(std::string_view text) {
    if (text.size() > kMaxBytes)
        throw YamlError("the document is " + std::to_string(text.size()) + " bytes, more than the " +
                        std::to_string(kMaxBytes) + " allowed");
    if (const std::size_t bad = invalid_utf8_at(text); bad != std::string_view::npos) {
        int line = 1;
        for (std::size_t k = 0; k < bad; ++k) line += text[k] == '\n' ? 1 : 0;
        fail(line, "not UTF-8 (byte " + std::to_string(bad) + ")");
    }
    BlockParser p(text);
    return p.document();
}

}  // namespace judge
