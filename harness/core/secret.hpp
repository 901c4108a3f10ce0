// Secrets and their redaction (docs/architecture.md).
// Every value registered here, and its base64 forms at every alignment, is replaced by
// "‹secret:NAME›" in anything that leaves the process (transcripts, reports, console).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace mailspec {

class secret_registry {
 public:
  // Registers a secret value under a display name. Empty values are ignored.
  // Also registers the base64 encodings of the value at the three byte alignments
  // (so the secret is found inside any base64 blob, e.g. a SASL PLAIN response).
  void add(std::string name, std::string_view value);
  // Registers an exact derived value (e.g. the whole base64 PLAIN blob) under a name.
  void add_derived(std::string name, std::string_view value);

  // Returns text with every registered secret form replaced by its marker.
  std::string redact(std::string_view text) const;
  // True when text contains any registered secret form.
  bool contains_secret(std::string_view text) const;
  bool empty() const { return forms_.empty(); }

  static std::string marker(std::string_view name);

 private:
  struct form {
    std::string name;
    std::string value;
  };
  std::vector<form> forms_;  // longest first, so longer forms win
  void insert(std::string name, std::string value);
};

// Standard base64 (RFC 4648 §4), with padding.
std::string base64_encode(std::string_view bytes);

}  // namespace mailspec
