// \file Flags of the graphc verbs, declared on CLI11: each verb lists its flags once, with the text
// `graphc VERB --help` prints, and every verb checks values and reports mistakes the same way
// (a FlagError, printed as "graphc VERB: message" with exit code 2).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/progress_bar.h"

namespace graphc {

// A wrong flag: printed as "graphc VERB: message", exit code 2.
struct FlagError {
  std::string message;
};

class VerbFlags {
 public:
  // usage: the synopsis after "usage: " (`graphc run FILE.mnn [flags]`); description: what the verb
  // does, printed under it by --help; footer: notes printed after the flags.
  VerbFlags(const std::string& verb, const std::string& usage, const std::string& description,
            const std::string& footer = "");

  // Declarations. Each value is set when the flag is given (the last one wins when repeated);
  // help is the flag's line in --help; typeName names its value there (N, FILE, X...).
  // An integer of at least min.
  void integer(const std::string& name, std::optional<int64_t>& value, int64_t min, const std::string& help,
               const std::string& typeName = "N");
  // Any number.
  void number(const std::string& name, std::optional<double>& value, const std::string& help,
              const std::string& typeName = "X");
  void text(const std::string& name, std::optional<std::string>& value, const std::string& help,
            const std::string& typeName = "FILE");
  // A text flag that may be repeated; each occurrence appends its value.
  void texts(const std::string& name, std::vector<std::string>& values, const std::string& help,
             const std::string& typeName = "FILE");
  // A switch, which takes no value.
  void flag(const std::string& name, bool& on, const std::string& help);
  // Every verb also has the pipeline's --time-passes, --verify-each and --print-after-all
  // (declared by parse, which hands them to driver/pipeline.h).

  // Parses the arguments after the verb. False when they ask for --help (or -h): the help is then
  // printed and nothing else is parsed. Throws FlagError for a wrong flag or value.
  bool parse(const std::vector<std::string>& args);

  // The arguments that are not flags, in order.
  const std::vector<std::string>& positional() const { return positional_; }
  // The single positional .mnn path; a FlagError when there is none or more than one.
  std::string fileArg() const;

 private:
  CLI::App app_;
  std::vector<std::string> positional_;
  bool timePasses_ = false, verifyEach_ = false, printAfterAll_ = false;
};

// --target, --threads and --no-cache, shared by the verbs that run kernels.
struct TargetFlags {
  std::optional<std::string> target;
  std::optional<int64_t> threads;
  bool noCache = false;
};
// Declares the three, with targetHelp as --target's line.
void addTargetFlags(VerbFlags& flags, TargetFlags& values, const std::string& targetHelp);

// --progress auto|bar|lines|none, for the verbs that train or evaluate.
void addProgressFlag(VerbFlags& flags, std::optional<std::string>& value);
// The mode it names (auto: bar on a terminal, else lines); a FlagError for another word.
ProgressMode progressMode(const std::optional<std::string>& value);

}  // namespace graphc
