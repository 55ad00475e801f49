// \file Matching a call's positional and keyword arguments to an op's parameter list.
#pragma once

#include <string>
#include <vector>

#include "frontend/ast.h"
#include "support/diagnostics.h"

namespace graphc {

class CallArgs {
 public:
  // params: the parameter names in positional order. required: how many must be given.
  // Unknown keywords, duplicates and too many positional arguments are UserErrors.
  CallArgs(const Expr& call, std::vector<std::string> params, size_t required);

  const Expr* get(const std::string& param) const;
  const Expr& require(const std::string& param) const;
  const Expr& call() const { return call_; }

 private:
  const Expr& call_;
  std::vector<std::string> params_;
  std::vector<const Expr*> values_;
};

}  // namespace graphc
