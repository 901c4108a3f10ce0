// ${...} expansion: ${var.x}, ${cap.x}, ${tag}, ${target.host}, ${target.helo}, ${run.id},
// ${scratch.mailbox}; filters |b64, |imap_quote, |count, |min, |max. "$$" is a literal "$"
// ("$${tag}" gives "${tag}").
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailspec::scenario {

struct expand_context {
  const std::map<std::string, std::string>* vars = nullptr;      // var.NAME
  const std::map<std::string, bool>* secret_vars = nullptr;       // var.NAME -> secret
  const std::map<std::string, std::string>* captures = nullptr;  // cap.NAME
  std::string tag;
  std::string target_host;
  std::string target_helo;  // ${target.helo}: the --helo name (additive, used by bundled SMTP scenarios)
  std::string run_id;
  std::string scratch_mailbox;  // ${scratch.mailbox}: the case's scratch mailbox (fixtures), "" when none
};

struct expanded {
  std::string text;
  bool has_secret = false;                 // any secret variable contributed
  std::vector<std::string> secret_values;  // derived secret forms (e.g. filtered values) to redact
  std::vector<std::string> secret_names;   // names of the secret variables used
};

// Throws std::invalid_argument naming the reference when it cannot be expanded.
expanded expand(std::string_view templ, const expand_context& ctx);

// Static check of a template at load time: the references it makes (for unknown-variable
// errors) and syntax errors. Returns error messages (empty when fine).
std::vector<std::string> check_template(std::string_view templ, const std::vector<std::string>& known_vars);

}  // namespace mailspec::scenario
