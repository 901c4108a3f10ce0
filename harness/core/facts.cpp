#include "core/facts.hpp"

#include <array>
#include <utility>

namespace mailspec {

namespace {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& names, E v) {
  for (const auto& [e, n] : names)
    if (e == v) return n;
  return "";
}

template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& names, std::string_view s) {
  for (const auto& [e, n] : names)
    if (n == s) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<probe_family, std::string_view>, 7> family_names{{
    {probe_family::starttls, "starttls"},
    {probe_family::tls, "tls"},
    {probe_family::plaintext_login, "plaintext-login"},
    {probe_family::injection, "injection"},
    {probe_family::tls_versions, "tls-versions"},
    {probe_family::tls_ciphers, "tls-ciphers"},
    {probe_family::smtp_smuggling, "smtp-smuggling"},
}};

constexpr std::array<std::pair<smuggling_outcome, std::string_view>, 5> smuggling_names{{
    {smuggling_outcome::ends_data, "ends-data"},
    {smuggling_outcome::rejected, "rejected"},
    {smuggling_outcome::accepted, "accepted"},
    {smuggling_outcome::not_tested, "not-tested"},
    {smuggling_outcome::no_answer, "no-answer"},
}};

constexpr std::array<std::pair<login_outcome, std::string_view>, 4> login_names{{
    {login_outcome::refused, "refused"},
    {login_outcome::evaluated, "evaluated"},
    {login_outcome::accepted, "accepted"},
    {login_outcome::inconclusive, "inconclusive"},
}};

constexpr std::array<std::pair<injection_outcome, std::string_view>, 4> injection_names{{
    {injection_outcome::vulnerable, "vulnerable"},
    {injection_outcome::not_vulnerable, "not-vulnerable"},
    {injection_outcome::refused, "refused"},
    {injection_outcome::inconclusive, "inconclusive"},
}};

constexpr std::array<std::pair<settings_role, std::string_view>, 5> role_names{{
    {settings_role::discovery, "discovery"},
    {settings_role::server, "server"},
    {settings_role::mx, "mx"},
    {settings_role::mta_sts, "mta-sts"},
    {settings_role::tls_rpt, "tls-rpt"},
}};

constexpr std::array<std::pair<socket_kind, std::string_view>, 4> socket_names{{
    {socket_kind::ssl, "SSL"},
    {socket_kind::starttls, "STARTTLS"},
    {socket_kind::plain, "plain"},
    {socket_kind::unknown, "unknown"},
}};

}  // namespace

std::string_view to_string(probe_family f) { return name_of(family_names, f); }
std::optional<probe_family> probe_family_from_string(std::string_view s) { return value_of(family_names, s); }
std::string_view to_string(login_outcome o) { return name_of(login_names, o); }
std::optional<login_outcome> login_outcome_from_string(std::string_view s) { return value_of(login_names, s); }
std::string_view to_string(injection_outcome o) { return name_of(injection_names, o); }
std::optional<injection_outcome> injection_outcome_from_string(std::string_view s) { return value_of(injection_names, s); }
std::string_view to_string(smuggling_outcome o) { return name_of(smuggling_names, o); }
std::optional<smuggling_outcome> smuggling_outcome_from_string(std::string_view s) { return value_of(smuggling_names, s); }
std::string_view to_string(settings_role r) { return name_of(role_names, r); }
std::optional<settings_role> settings_role_from_string(std::string_view s) { return value_of(role_names, s); }
std::string_view to_string(socket_kind k) { return name_of(socket_names, k); }
std::optional<socket_kind> socket_kind_from_string(std::string_view s) { return value_of(socket_names, s); }

}  // namespace mailspec
