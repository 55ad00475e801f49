// \file Flag parsing with messages that say which flag and what was expected.
#include "tools/flags.h"

#include <cerrno>
#include <cstdlib>

namespace graphc {

Flags::Flags(const std::vector<std::string>& args, const std::set<std::string>& valued,
             const std::set<std::string>& switches) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a.rfind("--", 0) != 0) {
      if (a.size() > 1 && a[0] == '-' && a != "-o") throw FlagError{"unknown flag '" + a + "'"};
      if (a == "-o") {
        if (i + 1 >= args.size()) throw FlagError{"flag -o expects a value"};
        values_["o"] = args[++i];
        continue;
      }
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inlineValue = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    if (switches.count(name)) {
      if (inlineValue) throw FlagError{"flag --" + name + " takes no value"};
      values_[name] = "";
    } else if (valued.count(name)) {
      if (!inlineValue) {
        if (i + 1 >= args.size()) throw FlagError{"flag --" + name + " expects a value"};
        value = args[++i];
      }
      values_[name] = value;
    } else {
      throw FlagError{"unknown flag '--" + name + "' (see --help)"};
    }
  }
}

std::optional<std::string> Flags::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> Flags::integer(const std::string& name, int64_t min) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(t->c_str(), &end, 10);
  if (t->empty() || *end != '\0' || errno != 0)
    throw FlagError{"flag --" + name + " expects an integer, found '" + *t + "'"};
  if (v < min) throw FlagError{"flag --" + name + " must be at least " + std::to_string(min) + ", found " + *t};
  return v;
}

std::optional<double> Flags::real(const std::string& name) const {
  auto t = text(name);
  if (!t) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(t->c_str(), &end);
  if (t->empty() || *end != '\0') throw FlagError{"flag --" + name + " expects a number, found '" + *t + "'"};
  return v;
}

}  // namespace graphc
