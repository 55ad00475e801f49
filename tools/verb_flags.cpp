// \file VerbFlags: CLI11 apps with graphc's help layout and its flag messages ("flag --epochs
// expects an integer, found 'abc'"), whatever CLI11 would have said.
#include "tools/verb_flags.h"

#include <fmt/core.h>

#include <cerrno>
#include <cstdlib>

#include "driver/pipeline.h"
#include "support/spelling.h"

namespace graphc {
namespace {

// "usage: SYNOPSIS", the description, the flags, the footer: the layout graphc's help had
// before CLI11, with CLI11's aligned flag list.
class HelpLayout : public CLI::Formatter {
 public:
  explicit HelpLayout(std::string usage) : usage_(std::move(usage)) { column_width(24); }
  std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode mode) const override {
    std::string help = "usage: " + usage_ + "\n\n";
    if (!app->get_description().empty()) help += app->get_description() + "\n";
    help += make_groups(app, mode);
    if (!app->get_footer().empty()) help += "\n" + app->get_footer() + "\n";
    return help;
  }

 private:
  std::string usage_;
};

// CLI11 validators: an empty string accepts the value, anything else is the complaint, which
// CLI11 reports as "--NAME: complaint" (flagMessage turns it into graphc's wording).
CLI::Validator integerAtLeast(int64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (text.empty() || *end != '\0' || errno != 0) return "expects an integer, found '" + text + "'";
        if (v < min) return "must be at least " + std::to_string(min) + ", found " + text;
        return "";
      },
      "");
}

CLI::Validator anyNumber() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0') return "expects a number, found '" + text + "'";
        return "";
      },
      "");
}

// graphc's wording for CLI11's parse errors: "flag --epochs expects an integer, found 'abc'",
// "flag --load expects a value".
std::string flagMessage(const CLI::ParseError& e) {
  std::string what = e.what();
  size_t colon = what.find(": ");
  std::string name = colon == std::string::npos ? "" : what.substr(0, colon);
  if (!name.empty() && name[0] == '-') {
    if (dynamic_cast<const CLI::ValidationError*>(&e)) return "flag " + name + " " + what.substr(colon + 2);
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) && what.find("missing") != std::string::npos)
      return "flag " + name + " expects a value";
  }
  return what;
}

std::string flagNames(const std::string& name) { return name == "o" ? "-o" : "--" + name; }

}  // namespace

VerbFlags::VerbFlags(const std::string& verb, const std::string& usage, const std::string& description,
                     const std::string& footer)
    : app_(description, "graphc " + verb) {
  app_.formatter(std::make_shared<HelpLayout>(usage));
  app_.footer(footer);
  app_.allow_extras();   // parse reports unknown flags itself, naming the first
  app_.set_help_flag();  // parse answers --help itself, before any value is checked
  app_.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)->group("flags");
  app_.add_option("arguments", positional_)->group("");  // the .mnn file (and images): hidden from the flag list
}

void VerbFlags::integer(const std::string& name, std::optional<int64_t>& value, int64_t min, const std::string& help,
                        const std::string& typeName) {
  app_.add_option_function<std::string>(
          flagNames(name), [&value](const std::string& text) { value = std::strtoll(text.c_str(), nullptr, 10); }, help)
      ->type_name(typeName)
      ->check(integerAtLeast(min));
}

void VerbFlags::number(const std::string& name, std::optional<double>& value, const std::string& help,
                       const std::string& typeName) {
  app_.add_option_function<std::string>(
          flagNames(name), [&value](const std::string& text) { value = std::strtod(text.c_str(), nullptr); }, help)
      ->type_name(typeName)
      ->check(anyNumber());
}

void VerbFlags::text(const std::string& name, std::optional<std::string>& value, const std::string& help,
                     const std::string& typeName) {
  app_.add_option_function<std::string>(
          flagNames(name), [&value](const std::string& text) { value = text; }, help)
      ->type_name(typeName);
}

void VerbFlags::texts(const std::string& name, std::vector<std::string>& values, const std::string& help,
                      const std::string& typeName) {
  // One value per occurrence, every occurrence kept: `--input a=x.npy --input b=y.npy`.
  app_.add_option_function<std::string>(
          flagNames(name), [&values](const std::string& text) { values.push_back(text); }, help)
      ->type_name(typeName)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->trigger_on_parse();
}

void VerbFlags::flag(const std::string& name, bool& on, const std::string& help) {
  app_.add_flag(flagNames(name), on, help);
}

bool VerbFlags::parse(const std::vector<std::string>& args) {
  // Declared last, so that --help lists them after the verb's own flags.
  flag("time-passes", timePasses_, "print each compiler stage's wall time (standard error) at the end");
  flag("verify-each", verifyEach_, "run the graph verifier after every compiler stage (always on in Debug builds)");
  flag("print-after-all", printAfterAll_, "print what each compiler stage made (standard error)");
  for (const std::string& a : args) {
    if (a != "--help" && a != "-h") continue;
    fmt::print("{}", app_.help());
    return false;
  }
  // CLI11 would accept --quiet=false; a switch given a value is a mistake here, as it always was.
  for (const std::string& a : args) {
    size_t eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) continue;
    const CLI::Option* opt = app_.get_option_no_throw(a.substr(0, eq));
    if (opt && opt->get_expected_max() == 0) throw FlagError{"flag " + a.substr(0, eq) + " takes no value"};
  }
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw FlagError{flagMessage(e)};
  }
  std::vector<std::string> unknown = app_.remaining();
  if (!unknown.empty()) {
    std::string name = unknown[0].substr(0, unknown[0].find('='));
    std::vector<std::string> names;
    for (const CLI::Option* opt : app_.get_options())
      if (!opt->get_lnames().empty()) names.push_back("--" + opt->get_lnames()[0]);
    std::string hint = didYouMean(name, names);
    throw FlagError{"unknown flag '" + name + "'" + (hint.empty() ? " (see --help)" : hint)};
  }
  setPipelineOptions({timePasses_, verifyEach_, printAfterAll_});
  return true;
}

std::string VerbFlags::fileArg() const {
  if (positional_.size() != 1)
    throw FlagError{positional_.empty() ? "expected a .mnn file"
                                        : "expected one .mnn file, found " + std::to_string(positional_.size())};
  return positional_[0];
}

void addTargetFlags(VerbFlags& flags, TargetFlags& values, const std::string& targetHelp) {
  flags.integer("threads", values.threads, 1, "CPU threads (default: all cores)");
  flags.text("target", values.target, targetHelp, "T");
  flags.flag("no-cache", values.noCache,
             "compile every kernel afresh (they are otherwise cached on disk in\n$GRAPHC_CACHE or ~/.cache/graphc)");
}

void addProgressFlag(VerbFlags& flags, std::optional<std::string>& value) {
  flags.text("progress", value,
             "auto (default): a progress bar on a terminal, plain lines elsewhere; bar, lines,\n"
             "or none (no epoch lines either)",
             "MODE");
}

ProgressMode progressMode(const std::optional<std::string>& value) {
  std::optional<ProgressMode> mode = progressModeNamed(value.value_or("auto"));
  if (!mode) throw FlagError{"flag --progress expects auto, bar, lines or none, found '" + *value + "'"};
  return *mode;
}

}  // namespace graphc
