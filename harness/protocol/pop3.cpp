#include "protocol/pop3.hpp"

#include <cctype>

#include "core/text.hpp"
#include "protocol/sasl_crypto.hpp"

namespace mailspec::protocol {

namespace {

bool starts_with_word(std::string_view c, std::string_view word) {
  return c.substr(0, word.size()) == word && (c.size() == word.size() || c[word.size()] == ' ');
}

std::string rest_after(std::string_view c, std::size_t n) {
  return c.size() > n ? std::string(c.substr(n + 1)) : std::string();
}

}  // namespace

pop3_framer::pop3_framer(limits lim) : lim_(lim), reader_(lim.max_line) {}

void pop3_framer::expect_multiline(bool multiline) {
  if (expect_.size() < lim_.max_lines_per_response) expect_.push_back(multiline);
}

void pop3_framer::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    bool done = false;
    bytes.remove_prefix(reader_.consume(bytes, line_, done));
    if (done) take_line(line_);
  }
}

void pop3_framer::take_line(detail::raw_line& l) {
  if (l.cut) over_limit_ = true;
  if (in_body_) {
    take_body_line(l);
  } else {
    take_status(l);
  }
}

void pop3_framer::take_status(detail::raw_line& l) {
  have_current_ = true;
  pop3_response& r = current_;
  detail::line_defects(l, 0, lim_.max_defects, r.defects);
  detail::append_bounded(r.raw, r.raw_elided, lim_.max_raw, l.bytes);
  const std::string_view c = l.content();
  if (starts_with_word(c, "+OK")) {
    r.status = pop3_status::ok;
    r.text = rest_after(c, 3);
  } else if (starts_with_word(c, "-ERR")) {
    r.status = pop3_status::err;
    r.text = rest_after(c, 4);
  } else if (starts_with_word(c, "+")) {
    r.status = pop3_status::continuation;
    r.text = rest_after(c, 1);
  } else {
    r.status = pop3_status::malformed;
    r.text = std::string(c);
    detail::add_defect(r.defects, lim_.max_defects, defect_kind::malformed_code, 0,
                       "status is not +OK, -ERR or +: " + visible_bytes(c, 16));
  }
  if (r.text.size() > 1 && r.text[0] == '[') {
    const auto close = r.text.find(']');
    if (close != std::string::npos) r.code = r.text.substr(1, close - 1);
  }
  r.status_line = std::string(l.bytes);
  bool multiline = false;
  if (!expect_.empty()) {
    multiline = expect_.front();
    expect_.pop_front();
  }
  if (multiline && r.status == pop3_status::ok && l.ended) {
    r.multiline = true;
    in_body_ = true;
  } else {
    end_response(l.ended);
  }
}

void pop3_framer::take_body_line(detail::raw_line& l) {
  pop3_response& r = current_;
  const std::size_t line_no = ++body_lines_;
  detail::line_defects(l, line_no, lim_.max_defects, r.defects);
  detail::append_bounded(r.raw, r.raw_elided, lim_.max_raw, l.bytes);
  r.body_bytes += l.bytes.size() + l.dropped;
  const std::string_view c = l.content();
  if (l.ended && !l.cut && c == ".") {
    end_response(true);
    return;
  }
  std::size_t skip = 0;
  if (c.size() >= 2 && c[0] == '.' && c[1] == '.') {
    ++r.stuffed_lines;
    skip = 1;
  } else if (!c.empty() && c[0] == '.' && r.unstuffed_dot_lines.size() < lim_.max_defects) {
    r.unstuffed_dot_lines.emplace_back(c.substr(0, 256));
  }
  const std::size_t len = l.content_len - skip;
  if (r.body.size() < lim_.max_lines_per_response && stored_bytes_ + len <= lim_.max_response_bytes) {
    stored_bytes_ += len;
    r.body.push_back(c.substr(skip));
  } else {
    ++r.body_lines_elided;
    over_limit_ = true;
  }
  if (!l.ended) end_response(false);
}

void pop3_framer::end_response(bool clean) {
  if (!clean) {
    current_.terminated = false;
    detail::add_defect(current_.defects, lim_.max_defects, defect_kind::unterminated, body_lines_,
                       current_.multiline ? "stream ended inside a multi-line body"
                                          : "stream ended inside the status line");
  }
  ready_.push_back(std::move(current_));
  current_ = pop3_response{};
  have_current_ = false;
  in_body_ = false;
  body_lines_ = 0;
  stored_bytes_ = 0;
}

std::optional<pop3_response> pop3_framer::next() {
  if (ready_pos_ >= ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
    return std::nullopt;
  }
  return std::move(ready_[ready_pos_++]);
}

std::optional<pop3_response> pop3_framer::finish() {
  if (reader_.flush(line_)) take_line(line_);  // an unended line closes its response
  if (have_current_) end_response(false);
  return next();
}

std::string pop3_framer::pending() const {
  std::string out;
  for (std::size_t i = ready_pos_; i < ready_.size(); ++i) out += ready_[i].raw;
  if (have_current_) out += current_.raw;
  out += reader_.partial();
  return out;
}

void pop3_framer::clear() {
  reader_.clear();
  expect_.clear();
  in_body_ = false;
  have_current_ = false;
  body_lines_ = 0;
  stored_bytes_ = 0;
  current_ = pop3_response{};
  ready_.clear();
  ready_pos_ = 0;
  over_limit_ = false;
}

bool pop3_command_is_multiline(std::string_view command) {
  while (!command.empty() && (command.back() == '\n' || command.back() == '\r' || command.back() == ' '))
    command.remove_suffix(1);
  const auto sp = command.find(' ');
  const std::string verb = upper(command.substr(0, sp));
  const bool has_arg = sp != std::string_view::npos && command.find_first_not_of(' ', sp) != std::string_view::npos;
  if (verb == "CAPA" || verb == "RETR" || verb == "TOP") return true;
  if (verb == "LIST" || verb == "UIDL" || verb == "AUTH") return !has_arg;
  return false;
}

std::optional<std::string> pop3_apop_timestamp(std::string_view text) {
  const auto open = text.find('<');
  if (open == std::string_view::npos) return std::nullopt;
  const auto close = text.find('>', open);
  const auto at = text.find('@', open);
  if (close == std::string_view::npos || at == std::string_view::npos || at > close) return std::nullopt;
  return std::string(text.substr(open, close - open + 1));
}

std::string pop3_apop_digest(std::string_view timestamp, std::string_view secret) {
  std::string input(timestamp);
  input.append(secret);
  return sasl::hex_lower(sasl::digest(sasl::hash_alg::md5, input));
}

}  // namespace mailspec::protocol
