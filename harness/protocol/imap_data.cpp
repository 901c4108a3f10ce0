// IMAP data parsing: a small recursive-descent reader over a response's line pieces and literals.
#include "protocol/imap_data.hpp"

#include <cctype>

#include "core/text.hpp"

namespace mailspec::protocol {
namespace {

constexpr int max_depth = 64;

bool is_status_word(const std::string& w) {
  return w == "OK" || w == "NO" || w == "BAD" || w == "PREAUTH" || w == "BYE";
}

class parser {
 public:
  parser(std::vector<std::string_view> pieces, const std::vector<std::string>* literals)
      : pieces_(std::move(pieces)), literals_(literals) {}

  imap_data run() {
    imap_data out;
    skip_spaces();
    if (!at_piece_end()) {
      imap_value first;
      if (value(first, 0)) {
        out.items.push_back(std::move(first));
        if (out.items[0].kind == imap_value::type::atom && out.items[0].text == "+") {
          if (cur() == ' ') ++pos_;
          rest_as_text(out.items);
        } else {
          status_or_data(out.items);
        }
      }
    }
    if (error_.empty()) {
      skip_spaces();
      if (!at_piece_end() || piece_ + 1 < pieces_.size()) error_ = "data after the end of the response";
    }
    out.error = std::move(error_);
    return out;
  }

 private:
  std::vector<std::string_view> pieces_;
  const std::vector<std::string>* literals_;
  std::size_t piece_ = 0, pos_ = 0;
  std::string error_;

  bool at_piece_end() const { return piece_ >= pieces_.size() || pos_ >= pieces_[piece_].size(); }
  char cur() const { return at_piece_end() ? '\0' : pieces_[piece_][pos_]; }
  void skip_spaces() {
    while (!at_piece_end() && (cur() == ' ' || cur() == '\t')) ++pos_;
  }
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  // After the first item: a status word makes the rest an optional [code] and text.
  void status_or_data(std::vector<imap_value>& items) {
    skip_spaces();
    if (at_piece_end()) return;
    imap_value second;
    if (!value(second, 0)) return;
    const bool status = second.kind == imap_value::type::atom && is_status_word(upper(second.text));
    items.push_back(std::move(second));
    if (status) {
      if (cur() == ' ') ++pos_;
      if (cur() == '[') {
        imap_value code;
        if (!value(code, 0)) return;
        items.push_back(std::move(code));
        if (cur() == ' ') ++pos_;
      }
      rest_as_text(items);
      return;
    }
    sequence(items, '\0', 0);
  }

  void rest_as_text(std::vector<imap_value>& items) {
    if (at_piece_end()) return;
    imap_value t;
    t.kind = imap_value::type::text;
    t.text = std::string(pieces_[piece_].substr(pos_));
    pos_ = pieces_[piece_].size();
    items.push_back(std::move(t));
  }

  // Items until `close` (or the end of the data when close is '\0').
  bool sequence(std::vector<imap_value>& out, char close, int depth) {
    for (;;) {
      skip_spaces();
      if (at_piece_end()) {
        if (close == '\0') return true;
        return fail(std::string("missing \"") + close + "\"");
      }
      char c = cur();
      if (c == close) {
        ++pos_;
        return true;
      }
      if (c == ')' || c == ']') return fail(std::string("unexpected \"") + c + "\"");
      imap_value v;
      if (!value(v, depth)) return false;
      out.push_back(std::move(v));
    }
  }

  bool value(imap_value& v, int depth) {
    char c = cur();
    if (c == '(' || c == '[') {
      if (depth >= max_depth) return fail("lists nested deeper than " + std::to_string(max_depth));
      ++pos_;
      v.kind = c == '(' ? imap_value::type::list : imap_value::type::code;
      return sequence(v.items, c == '(' ? ')' : ']', depth + 1);
    }
    if (c == '"') return quoted(v);
    if (c == '{') return literal(v);
    return atom(v);
  }

  bool quoted(imap_value& v) {
    std::string_view p = pieces_[piece_];
    v.kind = imap_value::type::string;
    for (++pos_; pos_ < p.size(); ++pos_) {
      char c = p[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\' && pos_ + 1 < p.size() && (p[pos_ + 1] == '"' || p[pos_ + 1] == '\\')) c = p[++pos_];
      v.text += c;
    }
    return fail("unterminated quoted string");
  }

  // "{n}" or "{n+}" ends its line piece; the value is the literal that follows it.
  bool literal(imap_value& v) {
    std::string_view p = pieces_[piece_];
    auto close = p.find('}', pos_);
    if (close == std::string_view::npos || close + 1 != p.size() || literals_ == nullptr || piece_ >= literals_->size())
      return fail("a literal announcement that is not at the end of a line");
    v.kind = imap_value::type::string;
    v.literal = true;
    v.text = (*literals_)[piece_];
    ++piece_;
    pos_ = 0;
    return true;
  }

  bool atom(imap_value& v) {
    std::string_view p = pieces_[piece_];
    std::size_t start = pos_;
    int brackets = 0;
    while (pos_ < p.size()) {
      char c = p[pos_];
      if (brackets > 0) {
        brackets += c == '[' ? 1 : c == ']' ? -1 : 0;
        ++pos_;
        continue;
      }
      if (c == '$' && pos_ + 1 < p.size() && p[pos_ + 1] == '{') {  // a pattern's ${...} reference
        auto close = p.find('}', pos_);
        pos_ = close == std::string_view::npos ? p.size() : close + 1;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '(' || c == ')' || c == '"' || c == '{' || c == ']') break;
      if (c == '[') ++brackets;
      ++pos_;
    }
    if (brackets > 0) return fail("unterminated \"[\" in \"" + std::string(p.substr(start, 40)) + "\"");
    if (pos_ == start) return fail(std::string("unexpected \"") + cur() + "\"");
    v.text = std::string(p.substr(start, pos_ - start));
    bool digits = true;
    for (char c : v.text) digits = digits && c >= '0' && c <= '9';
    if (digits) v.kind = imap_value::type::number;
    else if (upper(v.text) == "NIL") v.kind = imap_value::type::nil;
    else v.kind = imap_value::type::atom;
    return true;
  }
};

}  // namespace

std::string imap_value::to_imap() const {
  switch (kind) {
    case type::atom:
    case type::number:
    case type::text: return text;
    case type::nil: return "NIL";
    case type::string: return imap_quote(text);
    case type::list:
    case type::code: break;
  }
  std::string out(1, kind == type::list ? '(' : '[');
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += items[i].to_imap();
  }
  return out + (kind == type::list ? ')' : ']');
}

std::string imap_value::plain() const {
  if (kind == type::list || kind == type::code || kind == type::nil) return to_imap();
  return text;
}

imap_data parse_imap_data(const imap_response& r) {
  std::vector<std::string_view> pieces;
  if (r.lines.empty()) {
    std::string_view raw = r.raw;
    auto eol = raw.find_first_of("\r\n");
    pieces.push_back(raw.substr(0, eol));
  } else {
    for (const auto& l : r.lines) pieces.emplace_back(l);
  }
  return parser(std::move(pieces), &r.literals).run();
}

imap_data parse_imap_line(std::string_view line) { return parser({line}, nullptr).run(); }

}  // namespace mailspec::protocol
