// \file Command-line flags of the graphc verbs: `--name value` and `--name=value`, checked.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace graphc {

class Flags {
 public:
  // valued: flags that take a value; switches: flags that do not. Anything else is an error.
  Flags(const std::vector<std::string>& args, const std::set<std::string>& valued, const std::set<std::string>& switches);

  const std::vector<std::string>& positional() const { return positional_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> text(const std::string& name) const;
  std::optional<int64_t> integer(const std::string& name, int64_t min) const;
  std::optional<double> real(const std::string& name) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::string> values_;
};

// A wrong flag: printed as "graphc VERB: message", exit code 2.
struct FlagError {
  std::string message;
};

}  // namespace graphc
