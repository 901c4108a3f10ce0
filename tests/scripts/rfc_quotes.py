"""Rule quotes checked against the RFC texts in tests/data/rfc (issue 20, item 5).

A rule's `requirement` either starts with "Summary:" or quotes the RFC: the text outside
parentheses is the RFC's own words, "..." marks a cut, and text in parentheses is mailspec's note
(or RFC text that is not checked). Every quoted fragment (split at "..." and at parenthesised
groups, whitespace normalised) must occur in the stored text of a section the rule's `spec` cites
outside parentheses ("RFC 9051 §6.2.3, §7.2.2 (RFC 3501 §6.2.3 for IMAP4rev1)" cites 9051 §6.2.3
and §7.2.2; the parenthesised 3501 reference is informative). The level must be one the quote
supports, and an obsoleted RFC is never cited without its successor."""
import os
import re

# RFC -> the RFC that obsoletes it.
OBSOLETED = {"3501": "9051", "2060": "9051", "6125": "9525", "5246": "8446", "4346": "8446",
             "2246": "8446", "7525": "9325", "2821": "5321", "2487": "3207", "2554": "4954",
             "1893": "3463", "5336": "6531"}
MUST_WORDS = re.compile(r"\b(MUST|REQUIRED|SHALL)\b")
SHOULD_WORDS = re.compile(r"\b(SHOULD|RECOMMENDED)\b")
MAY_WORDS = re.compile(r"\b(MAY|OPTIONAL)\b")
# "name = ..." (ABNF) or "name ::= ..." (RFC 1870's BNF): a grammar production.
GRAMMAR = re.compile(r"(^|\s)[A-Za-z][A-Za-z0-9-]*\s*(::)?=\s")
HEADING = re.compile(r"^(?:Appendix )?([0-9]+(?:\.[0-9]+)*|[A-Z](?:\.[0-9]+)*)\.?\s{1,}\S")


def normalise(s):
    return re.sub(r"\s+", " ", s).strip()


def join_hyphens(s):
    """The text with words broken after a hyphen at a line end joined again ("non- synchronizing")."""
    return re.sub(r"(\w)- (\w)", r"\1-\2", s)


def load_sections(path):
    """{section: text} of one stored RFC file: a section runs from its heading line (column 0,
    "4.2.  SMTP Replies") to the next heading. Parents include their stored subsections."""
    own, order = {}, []
    current = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = HEADING.match(line)
            if m and not line.startswith(" "):
                current = m.group(1)
                order.append(current)
                own.setdefault(current, [])
            if current is not None:
                own[current].append(line)
    sections = {}
    for sec in order:
        parts = [t for s2 in order if s2 == sec or s2.startswith(sec + ".") for t in own[s2]]
        sections[sec] = "".join(parts)
    return sections


class Library:
    def __init__(self, directory):
        self.directory = directory
        self.cache = {}

    def section(self, rfc, sec):
        if rfc not in self.cache:
            path = os.path.join(self.directory, f"rfc{rfc}.txt")
            self.cache[rfc] = load_sections(path) if os.path.exists(path) else None
        sections = self.cache[rfc]
        if sections is None:
            return None
        return sections.get(sec)


def strip_parens(s):
    """(outside, groups): the text outside balanced parentheses with each group replaced by a
    fragment break, and the groups' contents."""
    out, groups, depth, cur = [], [], 0, []
    for ch in s:
        if ch == "(":
            if depth == 0:
                out.append("\x00")
                cur = []
            else:
                cur.append(ch)
            depth += 1
        elif ch == ")" and depth > 0:
            depth -= 1
            if depth == 0:
                groups.append("".join(cur))
            else:
                cur.append(ch)
        elif depth > 0:
            cur.append(ch)
        else:
            out.append(ch)
    return "".join(out), groups


def fragments(requirement):
    """The quoted fragments: the requirement split at "..."; each is a list of pieces, the fragment
    whole first (RFC text may hold parentheses, ABNF groups), then its pieces outside parenthesised
    groups (mailspec's notes)."""
    out = []
    for frag in re.split(r"\.\.\.|\[\.\.\.\]", requirement):
        whole = normalise(frag)
        if not whole or whole in {".", ",", ";"}:
            continue
        outside, _ = strip_parens(frag)
        pieces = [normalise(p) for p in outside.split("\x00")]
        out.append((whole, [p for p in pieces if p and p not in {".", ",", ";"}]))
    return out


def cited(spec):
    """[(rfc, section)] the spec cites outside parentheses; "RFC 2595 §2.2, §2.3" gives both."""
    outside, _ = strip_parens(spec)
    refs = []
    for part in outside.split(";"):
        m = re.match(r"\s*RFC ([0-9]+)(.*)", part)
        if not m:
            continue
        for sec in re.findall(r"§([0-9A-Z][0-9A-Za-z.]*)", m.group(2)):
            refs.append((m.group(1), sec.rstrip(".")))
    return refs


def all_rfcs(text):
    return set(re.findall(r"RFC ([0-9]{3,5})", text))


def level_problem(level, quote):
    words = " ".join(quote)
    must, should = MUST_WORDS.search(words), SHOULD_WORDS.search(words)
    may = MAY_WORDS.search(words)
    grammar = any(GRAMMAR.search(q) for q in quote)
    if level == "MUST" and not must and (should or (may and not grammar)):
        return "level MUST, but the quote says " + (should or may).group(0)
    if level == "SHOULD" and not should:
        return "level SHOULD, but the quote has no SHOULD or RECOMMENDED" + (
            f" (it says {must.group(0)})" if must else "")
    return None


def problems(rule, library):
    """Problems of one rule (a dict from `mailspec rules --format json`)."""
    rid, spec, req, level = rule.get("id"), rule.get("spec", ""), rule.get("requirement", ""), rule.get("level")
    where = f"{rid}"
    # Citations are the spec and mailspec's own words (a Summary, the notes in parentheses); an RFC
    # quoting an older one ("as defined in RFC 1893") is the RFC's text, not a citation.
    everything = spec + " " + (req if req.startswith("Summary:") else " ".join(strip_parens(req)[1]))
    for old in sorted(all_rfcs(everything)):
        new = OBSOLETED.get(old)
        if new and new not in all_rfcs(spec):
            yield f"{where}: cites RFC {old}, obsoleted by RFC {new}, without citing RFC {new} in its spec"
    if req.startswith("Summary:"):
        return
    refs = cited(spec)
    if not refs:
        yield f"{where}: quotes an RFC but its spec cites no RFC section"
        return
    texts = []
    for rfc, sec in refs:
        t = library.section(rfc, sec)
        if t is None:
            yield f"{where}: RFC {rfc} §{sec} is not in tests/data/rfc (store the section, or mark the rule Summary:)"
        else:
            texts.append(normalise(t))
    quoted = []  # the text taken as the RFC's own words
    missing = []
    for whole, pieces in fragments(req):
        def found(q):
            return any(q in t or q in join_hyphens(t) for t in texts)
        if found(whole):
            quoted.append(whole)
            continue
        quoted.extend(pieces)
        missing.extend(p for p in pieces if not found(p))
    if sum(len(q) for q in quoted) < 20:
        yield f"{where}: no quoted text outside parentheses (an unmarked paraphrase? start it with Summary:)"
        return
    if texts:
        for q in missing:
            yield (f"{where}: not verbatim in {', '.join(f'RFC {r} §{s}' for r, s in refs)}: \"{q}\" "
                   "(quote the RFC with \"...\" for cuts, or mark the rule Summary:)")
    lp = level_problem(level, quoted)
    if lp:
        yield f"{where}: {lp}"
