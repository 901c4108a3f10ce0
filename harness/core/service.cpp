#include "core/service.hpp"


namespace mailspec {

namespace {

// Indexed by the enum's value: the order of each list is the order of its enum.
constexpr std::string_view protocol_names[] = {"smtp", "imap", "pop3"};
constexpr std::string_view tls_names[] = {"none", "implicit", "starttls"};
constexpr std::string_view verify_names[] = {"none", "chain", "hostname"};
constexpr std::string_view service_names[] = {"smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s"};

constexpr service_row service_table[] = {
    {service_kind::smtp, 25, protocol_kind::smtp, tls_mode::starttls},
    {service_kind::submission, 587, protocol_kind::smtp, tls_mode::starttls},
    {service_kind::submissions, 465, protocol_kind::smtp, tls_mode::implicit},
    {service_kind::imap, 143, protocol_kind::imap, tls_mode::starttls},
    {service_kind::imaps, 993, protocol_kind::imap, tls_mode::implicit},
    {service_kind::pop3, 110, protocol_kind::pop3, tls_mode::starttls},
    {service_kind::pop3s, 995, protocol_kind::pop3, tls_mode::implicit},
};

template <class E, std::size_t N>
std::string_view enum_name(E e, const std::string_view (&names)[N]) {
  auto i = static_cast<std::size_t>(e);
  return i < N ? names[i] : "?";
}

template <class E, std::size_t N>
std::optional<E> enum_parse(std::string_view s, const std::string_view (&names)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(protocol_kind p) { return enum_name(p, protocol_names); }
std::string_view to_string(tls_mode t) { return enum_name(t, tls_names); }
std::string_view to_string(verify_mode v) { return enum_name(v, verify_names); }
std::string_view to_string(service_kind s) { return enum_name(s, service_names); }

std::optional<protocol_kind> protocol_from_string(std::string_view s) { return enum_parse<protocol_kind>(s, protocol_names); }
std::optional<tls_mode> tls_mode_from_string(std::string_view s) { return enum_parse<tls_mode>(s, tls_names); }
std::optional<verify_mode> verify_mode_from_string(std::string_view s) { return enum_parse<verify_mode>(s, verify_names); }
std::optional<service_kind> service_from_string(std::string_view s) { return enum_parse<service_kind>(s, service_names); }

const service_row& row_of(service_kind s) {
  for (const auto& r : service_table)
    if (r.service == s) return r;
  return service_table[0];
}

std::span<const service_row> service_rows() { return service_table; }

service_kind service_of(protocol_kind p, tls_mode t) {
  const bool implicit = t == tls_mode::implicit;
  switch (p) {
    case protocol_kind::imap: return implicit ? service_kind::imaps : service_kind::imap;
    case protocol_kind::pop3: return implicit ? service_kind::pop3s : service_kind::pop3;
    case protocol_kind::smtp: break;
  }
  return implicit ? service_kind::submissions : service_kind::submission;
}

}  // namespace mailspec
