// IMAP response data as values (RFC 9051 §4, §9): atoms, numbers, strings (quoted or literal),
// NIL, parenthesised lists and bracketed response codes. Used by the scenario's structured
// matchers and by rules that read FETCH, SEARCH, LIST or NAMESPACE data.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap.hpp"

namespace mailspec::protocol {

struct imap_value {
  enum class type {
    atom,    // incl. flags (\Seen), "*", section names with their brackets (BODY[HEADER.FIELDS (TO)]<0>)
    number,  // an atom of digits only
    string,  // quoted string (unescaped) or literal (payload); `literal` says which
    nil,     // NIL
    list,    // ( ... )
    code,    // [ ... ]: a response code of a status response
    text,    // the human-readable rest of a status response or continuation request
  };
  type kind = type::atom;
  std::string text;               // atom / number / text as received; string content
  bool literal = false;
  std::vector<imap_value> items;  // list / code members

  // The IMAP form: atoms as they are, strings quoted (or as a {n} literal), lists in parentheses.
  std::string to_imap() const;
  // What a matcher compares: the text of an atom, number, string or text; to_imap() otherwise.
  std::string plain() const;
};

struct imap_data {
  std::vector<imap_value> items;  // "*" / "+" / the tag first, then the response's data
  std::string error;              // "" when the whole response parsed
  bool ok() const { return error.empty(); }
};

// Parses a response as received, its literals included (lines[i] follows literals[i-1]). A status
// response (OK, NO, BAD, PREAUTH, BYE) gives its marker, status word, optional [code] and the rest as
// one text item; a continuation gives "+" and a text item. Bounded: lists nested deeper than 64 and
// malformed data give an error with what was parsed so far.
imap_data parse_imap_data(const imap_response& r);
// Parses one line of IMAP data without literals, as a data response (no status-text rule): the
// syntax of the scenario's structured patterns. Quoted strings may hold any byte but '"' and '\'
// unescaped; "${...}" references stay inside the atom or string they are written in.
imap_data parse_imap_line(std::string_view line);

}  // namespace mailspec::protocol
