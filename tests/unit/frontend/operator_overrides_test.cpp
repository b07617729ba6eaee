#include "frontend/operator/operator_overrides.hpp"

#include <doctest/doctest.h>

#include <fstream>

#include "frontend/config/config_loader.hpp"
#include "temp_dir.hpp"

using namespace ikesteer;
using namespace ikesteer::frontend;

namespace {

Config two_members() {
  auto c = parse_config(R"(
[[member]]
name = "m1"
addresses = ["198.51.100.11"]
[[member]]
name = "m2"
addresses = ["198.51.100.12"]
state = "drain"
)",
                        "t.toml");
  REQUIRE(c.has_value());
  return std::move(c).value();
}

}  // namespace

TEST_CASE("overrides are laid over the file's values and survive a restart") {
  const test::TempDir dir("ikst-ov");
  const std::string path = dir.file("state.json");
  auto o = OperatorOverrides::load(path);
  REQUIRE(o.has_value());
  o->set_state("m1", OperatorState::Maintenance);
  o->set_weight("m2", 3.5);
  const Config applied = o->apply(two_members());
  CHECK(applied.members[0].state == OperatorState::Maintenance);
  CHECK(applied.members[1].weight == 3.5);
  CHECK(applied.members[1].state == OperatorState::Drain);  // the file's, untouched
  REQUIRE(o->save().has_value());

  auto restarted = OperatorOverrides::load(path);
  REQUIRE(restarted.has_value());
  CHECK(restarted->members() == o->members());
  CHECK(restarted->apply(two_members()).members[0].state == OperatorState::Maintenance);
}

TEST_CASE("an override equal to the file's value, or for a member gone, is forgotten") {
  auto o = OperatorOverrides::load("");
  REQUIRE(o.has_value());
  o->set_state("m2", OperatorState::Drain);  // what the file says already
  o->set_state("m9", OperatorState::Drain);  // not in the configuration
  o->set_state("m1", OperatorState::Drain);
  o->apply(two_members());
  CHECK(o->members().size() == 1);
  CHECK(o->members().count("m1") == 1);
  o->set_state("m1", OperatorState::Active);  // undrain: back to the file's value
  CHECK(o->apply(two_members()).members[0].state == OperatorState::Active);
  CHECK(o->members().empty());
}

TEST_CASE("a missing state file is empty; a damaged one is an error naming it") {
  const test::TempDir dir("ikst-ov");
  const std::string path = dir.file("state.json");
  CHECK(OperatorOverrides::load(path).has_value());
  std::ofstream(path) << "{\"members\": {\"m1\": {\"state\": \"sideways\"}}}";
  auto bad = OperatorOverrides::load(path);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == path + ": member m1: bad state");
  std::ofstream(path) << "not json";
  REQUIRE_FALSE(OperatorOverrides::load(path).has_value());
}
