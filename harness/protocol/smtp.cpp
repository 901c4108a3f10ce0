#include "protocol/smtp.hpp"

#include <cctype>

#include "core/text.hpp"

namespace mailspec::protocol {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Splits one line's content into code / separator / text, recording code defects.
// Returns true when the line continues the reply ("ddd-").
bool parse_reply_line(std::string_view c, smtp_line& sl, std::size_t line_no, const limits& lim,
                      std::vector<defect>& defects) {
  const bool digits = c.size() >= 3 && is_digit(c[0]) && is_digit(c[1]) && is_digit(c[2]);
  if (!digits) {
    sl.text = std::string(c);
    detail::add_defect(defects, lim.max_defects, defect_kind::malformed_code, line_no,
                       "no three-digit reply code: " + visible_bytes(c, 16));
    return false;
  }
  if (c[0] >= '2' && c[0] <= '5') {
    sl.code = (c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0');
  } else {
    detail::add_defect(defects, lim.max_defects, defect_kind::malformed_code, line_no,
                       "reply code outside 2xx-5xx: " + visible_bytes(c.substr(0, 3)));
  }
  if (c.size() == 3) return false;
  if (c[3] == '-' || c[3] == ' ') {
    sl.sep = c[3];
    sl.text = std::string(c.substr(4));
    return c[3] == '-';
  }
  sl.text = std::string(c.substr(3));
  detail::add_defect(defects, lim.max_defects, defect_kind::bad_continuation, line_no,
                     "byte after the code is " + visible_bytes(c.substr(3, 1)) + ", not '-' or ' '");
  return false;
}

}  // namespace

std::string smtp_reply::raw() const {
  std::string out;
  for (const auto& l : lines) out += l.raw;
  return out;
}

std::vector<std::string> smtp_reply::texts() const {
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

smtp_framer::smtp_framer(limits lim) : lim_(lim), reader_(lim.max_line) {}

void smtp_framer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    bool done = false;
    bytes.remove_prefix(reader_.consume(bytes, line_, done));
    if (done) take_line(line_);
  }
}

void smtp_framer::take_line(detail::raw_line& l) {
  const std::size_t line_no = current_lines_++;
  detail::line_defects(l, line_no, lim_.max_defects, current_.defects);
  if (l.cut) over_limit_ = true;
  smtp_line sl;
  const bool more = parse_reply_line(l.content(), sl, line_no, lim_, current_.defects);
  if (sl.code != -1) {
    if (first_code_ == -1) {
      first_code_ = sl.code;
    } else if (sl.code != first_code_) {
      detail::add_defect(current_.defects, lim_.max_defects, defect_kind::inconsistent_code, line_no,
                         std::to_string(sl.code) + " after " + std::to_string(first_code_));
    }
  }
  if (line_no == 0) current_.enhanced = parse_enhanced_code(sl.text);
  const bool room = current_.lines.size() < lim_.max_lines_per_response &&
                    stored_bytes_ + l.bytes.size() <= lim_.max_response_bytes;
  if (!room) over_limit_ = true;
  if (room || !more) {
    stored_bytes_ += l.bytes.size();
    sl.raw = std::string(l.bytes);
    current_.lines.push_back(std::move(sl));
  } else {
    ++current_.lines_elided;
  }
  if (!more) {
    current_.code = current_.lines.back().code;
    current_.complete = l.ended;
    end_reply();
  }
}

void smtp_framer::end_reply() {
  if (!current_.complete)
    detail::add_defect(current_.defects, lim_.max_defects, defect_kind::unterminated, current_lines_,
                       "stream ended inside a reply");
  ready_.push_back(std::move(current_));
  current_ = smtp_reply{};
  current_lines_ = 0;
  stored_bytes_ = 0;
  first_code_ = -1;
}

std::optional<smtp_reply> smtp_framer::next() {
  if (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_pos_++]);
}

std::optional<smtp_reply> smtp_framer::finish() {
  if (reader_.flush(line_)) take_line(line_);  // a line without LF: reply complete = false
  if (current_lines_ > 0) {
    current_.complete = false;
    if (!current_.lines.empty()) current_.code = current_.lines.back().code;
    end_reply();
  }
  return next();
}

std::string smtp_framer::pending() const {
  std::string out;
  for (std::size_t i = ready_pos_; i < ready_.size(); ++i) out += ready_[i].raw();
  out += current_.raw();
  out += reader_.partial();
  return out;
}

void smtp_framer::clear() {
  reader_.clear();
  current_ = smtp_reply{};
  current_lines_ = 0;
  stored_bytes_ = 0;
  first_code_ = -1;
  ready_.clear();
  ready_pos_ = 0;
  over_limit_ = false;
}

std::string parse_enhanced_code(std::string_view text) {
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
    return "";
  std::size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i]) && i - start < 4) ++i;
    if (i == start || i - start > 3) return "";
    if (part == 0) {
      if (i >= text.size() || text[i] != '.') return "";
      ++i;
    }
  }
  if (i < text.size() && text[i] != ' ') return "";
  return std::string(text.substr(0, i));
}

std::vector<std::string> smtp_ehlo_lines(const smtp_reply& r) {
  std::vector<std::string> out;
  for (std::size_t i = 1; i < r.lines.size(); ++i) {
    std::string_view t = r.lines[i].text;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (!t.empty()) out.emplace_back(t);
  }
  return out;
}

std::vector<std::string> smtp_ehlo_keywords(const smtp_reply& r) {
  std::vector<std::string> out;
  for (const auto& line : smtp_ehlo_lines(r)) {
    const auto sp = line.find_first_of(" \t");
    out.push_back(upper(std::string_view(line).substr(0, sp)));
  }
  return out;
}

}  // namespace mailspec::protocol
