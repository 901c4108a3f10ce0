// The runner's plan: --port mapping, --only selection, --repeat and deterministic --shard.
#include <catch2/catch.hpp>

#include <set>

#include "runner/runner.hpp"

using namespace mailspec;

namespace {

std::vector<scenario::scenario> three() {
  std::vector<scenario::scenario> v(3);
  v[0].id = "smtp/a";
  v[0].port = 25;
  v[1].id = "imap/b";
  v[1].port = 143;
  v[2].id = "imap/c";
  v[2].port = 993;
  return v;
}

}  // namespace

TEST_CASE("port mapping by service name and number leaves other ports unchanged") {
  std::map<std::string, int> m{{"imap", 10143}, {"993", 10993}};
  CHECK(runner::map_port(143, m) == 10143);
  CHECK(runner::map_port(993, m) == 10993);
  CHECK(runner::map_port(25, m) == 25);
}

TEST_CASE("only-prefixes select scenarios by id and a rule prefix selects every scenario") {
  auto scs = three();
  runner::run_options o;
  o.targets = {"h"};
  o.only = {"imap/"};
  auto p = runner::plan(scs, o);
  REQUIRE(p.size() == 2);
  CHECK(p[0].sc->id == "imap/b");
  o.only = {"tls/cert/"};
  CHECK(runner::plan(scs, o).size() == 3);
}

TEST_CASE("shards split scenarios x targets x repeats into disjoint complete parts") {
  auto scs = three();
  runner::run_options o;
  o.targets = {"h1", "h2"};
  o.repeat = 2;
  std::size_t all = runner::plan(scs, o).size();
  CHECK(all == 12);
  std::set<std::string> seen;
  std::size_t total = 0;
  for (int k = 1; k <= 5; ++k) {
    o.shard = runner::shard_spec{k, 5};
    auto part = runner::plan(scs, o);
    auto again = runner::plan(scs, o);
    REQUIRE(part.size() == again.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
      CHECK(part[i].sc == again[i].sc);  // deterministic
      seen.insert(part[i].host + part[i].sc->id + std::to_string(part[i].run));
    }
    total += part.size();
  }
  CHECK(total == all);
  CHECK(seen.size() == all);
}
