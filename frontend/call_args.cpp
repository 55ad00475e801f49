// \file Argument matching with errors that name the call and the parameter.
#include "frontend/call_args.h"

#include <algorithm>

namespace graphc {

CallArgs::CallArgs(const Expr& call, std::vector<std::string> params, size_t required)
    : call_(call), params_(std::move(params)), values_(params_.size(), nullptr) {
  size_t positional = 0;
  for (const Arg& a : call.args) {
    size_t slot;
    if (a.key.empty()) {
      if (positional >= params_.size())
        throw UserError(a.loc, call.text + " takes at most " + std::to_string(params_.size()) + " arguments, found " +
                                   std::to_string(call.args.size()));
      slot = positional++;
    } else {
      auto it = std::find(params_.begin(), params_.end(), a.key);
      // Keras' spellings of two parameters.
      if (it == params_.end() && (a.key == "kernel_size" || a.key == "pool_size"))
        it = std::find(params_.begin(), params_.end(), a.key == "kernel_size" ? "kernel" : "size");
      if (it == params_.end()) {
        std::string known;
        for (const auto& p : params_) known += (known.empty() ? "" : ", ") + p;
        throw UserError(a.loc, call.text + " has no argument '" + a.key + "' (expected one of: " + known + ")");
      }
      slot = static_cast<size_t>(it - params_.begin());
    }
    if (values_[slot]) throw UserError(a.loc, call.text + ": argument '" + params_[slot] + "' is given twice");
    values_[slot] = a.value.get();
  }
  for (size_t i = 0; i < required; ++i)
    if (!values_[i])
      throw UserError(call.loc, call.text + " expects argument '" + params_[i] + "', found " +
                                    std::to_string(call.args.size()) + " argument" +
                                    (call.args.size() == 1 ? "" : "s"));
}

const Expr* CallArgs::get(const std::string& param) const {
  auto it = std::find(params_.begin(), params_.end(), param);
  return it == params_.end() ? nullptr : values_[static_cast<size_t>(it - params_.begin())];
}

const Expr& CallArgs::require(const std::string& param) const {
  const Expr* e = get(param);
  if (!e) throw UserError(call_.loc, call_.text + " expects argument '" + param + "'");
  return *e;
}

}  // namespace graphc
