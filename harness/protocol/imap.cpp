#include "protocol/imap.hpp"

#include <algorithm>
#include <cctype>

#include "core/text.hpp"
#include "protocol/imap_detail.hpp"

namespace mailspec::protocol {

namespace {

std::vector<std::string> atoms(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(upper(s.substr(start, i - start)));
  }
  return out;
}

}  // namespace

std::string imap_response::code_name() const {
  return upper(std::string_view(code).substr(0, code.find(' ')));
}

imap_framer::imap_framer(limits lim) : lim_(lim), reader_(lim.max_line) {}

void imap_framer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    if (literal_left_ > 0) {
      take_literal_bytes(bytes);
      continue;
    }
    bool done = false;
    bytes.remove_prefix(reader_.consume(bytes, line_, done));
    if (done) take_line(line_);
  }
}

// Literal payloads move in bulk: one append per chunk, no per-byte work.
void imap_framer::take_literal_bytes(std::string_view& bytes) {
  const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(literal_left_, bytes.size()));
  const std::string_view chunk = bytes.substr(0, k);
  if (literal_skipping_) {
    current_.literal_bytes_skipped += k;
    current_.raw_elided += k;
  } else {
    std::string& lit = current_.literals.back();
    // The first MiB is reserved up front; once the server has sent that much, trust its size.
    if (lit.size() + k > lit.capacity()) lit.reserve(lit.size() + static_cast<std::size_t>(literal_left_));
    lit.append(chunk);
    detail::append_bounded(current_.raw, current_.raw_elided, lim_.max_raw, chunk);
  }
  literal_left_ -= k;
  bytes.remove_prefix(k);
}

void imap_framer::take_line(detail::raw_line& l) {
  const std::size_t line_no = lines_seen_++;
  imap_response& r = current_;
  have_current_ = true;
  detail::line_defects(l, line_no, lim_.max_defects, r.defects);
  if (l.cut) over_limit_ = true;
  detail::append_bounded(r.raw, r.raw_elided, lim_.max_raw, l.bytes);
  const std::string_view c = l.content();
  if (line_no == 0) {
    detail::parse_imap_first_line(c, r, lim_);
    allow_literals_ = r.kind == imap_kind::untagged && r.status.empty();
  }
  if (r.lines.size() < lim_.max_lines_per_response && stored_bytes_ + c.size() <= lim_.max_response_bytes) {
    stored_bytes_ += c.size();
    r.lines.emplace_back(c);
  } else {
    over_limit_ = true;
  }
  if (allow_literals_) {
    const std::string_view end = l.cut ? std::string_view(l.tail) : c;
    const auto lit = detail::find_literal(end);
    if (lit.state == detail::literal_check::malformed) {
      detail::add_defect(r.defects, lim_.max_defects, defect_kind::malformed_literal, line_no,
                         "bad literal announcement: " + visible_bytes(end.substr(end.rfind('{')), 24));
    } else if (lit.state == detail::literal_check::literal && l.ended) {
      if (start_literal(lit.size, line_no)) return;
    }
  }
  end_response(l.ended);
}

// Returns false when the literal cannot be read (the response then ends here).
bool imap_framer::start_literal(std::uint64_t n, std::size_t line_no) {
  imap_response& r = current_;
  literal_skipping_ = false;
  std::string why;
  if (n > lim_.max_literal) {
    why = "literal of " + std::to_string(n) + " bytes over the bound of " + std::to_string(lim_.max_literal);
  } else if (stored_bytes_ + n > lim_.max_response_bytes) {
    why = "literal of " + std::to_string(n) + " bytes takes the response over " +
          std::to_string(lim_.max_response_bytes) + " bytes";
  } else if (r.literals.size() >= lim_.max_lines_per_response) {
    why = "more than " + std::to_string(lim_.max_lines_per_response) + " literals in one response";
  }
  if (!why.empty()) {
    detail::add_defect(r.defects, lim_.max_defects, defect_kind::literal_too_large, line_no, std::move(why));
    over_limit_ = true;
    literal_skipping_ = true;
  }
  if (r.literals.size() < lim_.max_lines_per_response) r.literals.emplace_back();
  if (!literal_skipping_) {
    r.literals.back().reserve(static_cast<std::size_t>(std::min<std::uint64_t>(n, 1024 * 1024)));
    stored_bytes_ += static_cast<std::size_t>(n);
  }
  literal_left_ = n;
  return true;
}

void imap_framer::end_response(bool clean) {
  if (!clean) {
    current_.complete = false;
    detail::add_defect(current_.defects, lim_.max_defects, defect_kind::unterminated, lines_seen_,
                       literal_left_ ? "stream ended inside a literal (" + std::to_string(literal_left_) +
                                           " bytes missing)"
                                     : "stream ended inside a response");
  }
  ready_.push_back(std::move(current_));
  current_ = imap_response{};
  have_current_ = false;
  allow_literals_ = false;
  literal_left_ = 0;
  literal_skipping_ = false;
  lines_seen_ = 0;
  stored_bytes_ = 0;
}

std::optional<imap_response> imap_framer::next() {
  if (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_pos_++]);
}

std::optional<imap_response> imap_framer::finish() {
  if (literal_left_ == 0 && reader_.flush(line_)) {
    take_line(line_);  // a line without LF ends its response, incomplete
  } else if (have_current_) {
    end_response(false);
  }
  return next();
}

std::string imap_framer::pending() const {
  std::string out;
  for (std::size_t i = ready_pos_; i < ready_.size(); ++i) out += ready_[i].raw;
  if (have_current_) out += current_.raw;
  out += reader_.partial();
  return out;
}

void imap_framer::clear() {
  reader_.clear();
  literal_left_ = 0;
  literal_skipping_ = false;
  have_current_ = false;
  allow_literals_ = false;
  lines_seen_ = 0;
  stored_bytes_ = 0;
  current_ = imap_response{};
  ready_.clear();
  ready_pos_ = 0;
  over_limit_ = false;
}

std::vector<std::string> imap_capabilities(const imap_response& r) {
  if (r.kind == imap_kind::untagged && r.keyword == "CAPABILITY") return atoms(r.text);
  if (r.code_name() == "CAPABILITY") {
    auto out = atoms(r.code);
    out.erase(out.begin());
    return out;
  }
  return {};
}

std::string imap_quote(std::string_view value) {
  const bool needs_literal = std::any_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\r' || c == '\n' || c == 0 || c >= 0x80;
  });
  if (needs_literal) return "{" + std::to_string(value.size()) + "}\r\n" + std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::optional<std::uint64_t> imap_fetch_uid(const imap_response& r) {
  if (r.kind != imap_kind::untagged || r.keyword != "FETCH") return std::nullopt;
  int depth = 0;
  bool want_uid = false;
  for (const auto& seg : r.lines) {
    std::size_t i = 0;
    while (i < seg.size()) {
      const char c = seg[i];
      if (c == '"') {  // skip a quoted string
        for (++i; i < seg.size() && seg[i] != '"'; ++i)
          if (seg[i] == '\\') ++i;
        ++i;
        want_uid = false;
      } else if (c == '(' || c == ')' || c == '[' || c == ']') {
        depth += (c == '(' || c == '[') ? 1 : -1;
        ++i;
        want_uid = false;
      } else if (c == ' ') {
        ++i;
      } else {
        const std::size_t start = i;
        while (i < seg.size() && std::string_view(" ()[]\"").find(seg[i]) == std::string_view::npos) ++i;
        const std::string_view tok = std::string_view(seg).substr(start, i - start);
        if (want_uid && depth == 1 && !tok.empty() &&
            tok.find_first_not_of("0123456789") == std::string_view::npos && tok.size() <= 19)
          return std::stoull(std::string(tok));
        want_uid = depth == 1 && upper(tok) == "UID";
      }
    }
  }
  return std::nullopt;
}

}  // namespace mailspec::protocol
