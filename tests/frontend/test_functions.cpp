// \file Language v2 section 1: `def` functions expanded at their call sites, `for` loops unrolled,
// `if` on constants, integer constant arithmetic; their names, scopes, provenance and errors.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "frontend/lexer.h"
#include "frontend/lower_program.h"
#include "frontend/parser.h"
#include "ir/printer.h"
#include "support/diagnostics.h"
#include "support/spelling.h"

namespace graphc {
namespace {

Model lower(const std::string& source) { return lowerProgram(parseProgram("test.mnn", source)); }

const Node& named(const Model& m, const std::string& name) {
  int id = m.graph.findByName(name);
  if (id < 0) throw std::runtime_error("no node named " + name);
  return m.graph.node(id);
}

// The variables' names and shapes, in creation order: what a checkpoint holds.
std::string variables(const Model& m) {
  std::string out;
  for (int id : m.graph.variables(false)) {
    const Node& v = m.graph.node(id);
    out += v.name + " " + typeToString(v.dtype, v.shape) + "\n";
  }
  return out;
}

// Lowers source that must fail and checks where and what the error says.
void expectError(const std::string& source, int line, int col, const std::string& fragment) {
  try {
    lower(source);
    ADD_FAILURE() << "no error for:\n" << source;
  } catch (const UserError& error) {
    EXPECT_EQ(error.loc().line, line) << error.what();
    EXPECT_EQ(error.loc().col, col) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
        << "message: " << error.what() << "\nwanted: " << fragment;
  }
}

const char* kInput = "x = placeholder(f32, [?, 8, 8, 4])\n";

// The spec's example block (language v2, section 1), called three times.
const char* kResBlock = R"(def res_block(x, filters, strides = 1) {
  h = Conv2D(x, filters, kernel = 3, strides = strides, padding = same, use_bias = false)
  h = relu(BatchNorm(h))
  h = BatchNorm(Conv2D(h, filters, kernel = 3, padding = same, use_bias = false))
  return relu(h + x)
}
)";

// ---- lexing and parsing ----

TEST(FunctionsLexer, NewKeywordsAndOperators) {
  std::vector<Token> tokens = tokenize("def for in if else return a // b % c");
  std::vector<std::string> texts;
  for (const Token& t : tokens) texts.push_back(t.text);
  EXPECT_EQ(tokens[0].kind, TokenKind::Keyword);
  EXPECT_EQ(tokens[5].kind, TokenKind::Keyword);
  EXPECT_EQ(texts[7], "//");
  EXPECT_EQ(texts[9], "%");
}

TEST(FunctionsParser, DefForIfStatements) {
  Program p = parseProgram("test.mnn", std::string(kResBlock) + R"(
for i in range(1, 3) {
  if i % 2 == 0 {
    k = 1
  } else if i > 5 {
    k = 2
  }
  else {
    m = {a: 1}
  }
}
)");
  ASSERT_EQ(p.stmts.size(), 2u);
  const Stmt& def = p.stmts[0];
  EXPECT_EQ(def.kind, StmtKind::Def);
  EXPECT_EQ(def.name, "res_block");
  ASSERT_EQ(def.params.size(), 3u);
  EXPECT_EQ(def.params[2].name, "strides");
  EXPECT_TRUE(def.params[2].fallback);
  EXPECT_FALSE(def.params[0].fallback);
  EXPECT_EQ(def.body.back().kind, StmtKind::Return);
  const Stmt& loop = p.stmts[1];
  EXPECT_EQ(loop.kind, StmtKind::For);
  EXPECT_EQ(loop.name, "i");
  EXPECT_EQ(loop.value->args.size(), 2u);
  const Stmt& branch = loop.body.at(0);
  EXPECT_EQ(branch.kind, StmtKind::If);
  EXPECT_EQ(branch.value->text, "==");
  EXPECT_EQ(branch.value->items[0]->text, "%");  // % binds tighter than ==
  ASSERT_EQ(branch.elseBody.size(), 1u);         // else if: one nested if
  EXPECT_EQ(branch.elseBody[0].kind, StmtKind::If);
  ASSERT_EQ(branch.elseBody[0].elseBody.size(), 1u);                     // `else` on the line after the '}'
  EXPECT_EQ(branch.elseBody[0].elseBody[0].value->kind, ExprKind::Map);  // still a map literal
  std::string ast = printAst(p);
  EXPECT_NE(ast.find("def res_block(x, filters, strides=) @1:1"), std::string::npos) << ast;
  EXPECT_NE(ast.find("for i @"), std::string::npos) << ast;
}

void expectParseError(const std::string& source, int line, int col, const std::string& fragment) {
  try {
    parseProgram("test.mnn", source);
    ADD_FAILURE() << "no error for:\n" << source;
  } catch (const UserError& error) {
    EXPECT_EQ(error.loc().line, line) << error.what();
    EXPECT_EQ(error.loc().col, col) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
        << "message: " << error.what() << "\nwanted: " << fragment;
  }
}

TEST(FunctionsParser, Errors) {
  expectParseError("def f(x) {\n  return x\n  y = x\n}\n", 2, 3,
                   "expected 'return' as the last statement of def f, found 'y' after it (line 3)");
  expectParseError("def f(x) {\n  y = x\n}\n", 3, 1,
                   "expected 'return EXPR' as the last statement of def f, found '}'");
  expectParseError("return 3\n", 1, 1,
                   "expected 'return' only as the last statement of a def, found it at the top level");
  expectParseError("def f(x) {\n  for i in range(2) {\n    return x\n  }\n  return x\n}\n", 3, 5,
                   "found it inside the for loop");
  expectParseError("for i in range(2) {\n  def f(x) {\n    return x\n  }\n}\n", 2, 3,
                   "expected 'def' only at the top level of the file, found it inside the for loop");
  expectParseError("def f(a = 1, b) {\n  return a\n}\n", 1, 14, "expected a default for parameter 'b'");
  expectParseError("def f(a, a) {\n  return a\n}\n", 1, 10, "expected each parameter once in def f");
  expectParseError("for i in [1, 2] {\n}\n", 1, 10, "expected range(N) or range(START, STOP) after 'in'");
  expectParseError("for i range(2) {\n}\n", 1, 7, "expected 'in' after 'for i', found 'range'");
  expectParseError("if 1 {\n} else x = 2\n", 2, 8, "expected '{' or 'if' after 'else', found 'x'");
  expectParseError("def f(x) {\n  return x\n", 2, 11, "expected '}' to close def f (opened at 1:10)");
}

// ---- constant arithmetic ----

TEST(Functions, IntegerArithmeticRoundsAsPython) {
  Model m = lower(
      "a = placeholder(f32, [?, 7 // 2, -7 // 2 + 10, -7 % 3, 7 % -3 + 5, 2 * 3 + 1, (1 + 2) * 3])\n"
      "b = placeholder(f32, [?, 7.5 // 2])\n");
  EXPECT_EQ(named(m, "a").shape, (Shape{kBatch, 3, 6, 2, 3, 7, 9}));
  EXPECT_EQ(named(m, "b").shape, (Shape{kBatch, 3}));
}

TEST(Functions, ComparisonsGiveBooleans) {
  Model m = lower(
      "c = 2 < 3\n"
      "d = 2 >= 3\n"
      "if c == true {\n  a = placeholder(f32, [1])\n}\n"
      "if d {\n  b = placeholder(f32, [2])\n} else {\n  b = placeholder(f32, [3])\n}\n");
  EXPECT_EQ(named(m, "a").shape, (Shape{1}));
  EXPECT_EQ(named(m, "b").shape, (Shape{3}));
}

// ---- expansion, naming and scopes ----

TEST(Functions, SpecResBlockNamesItsLayersByTheirBindings) {
  Model m = lower(std::string(kInput) + kResBlock +
                  "h = x\n"
                  "for i in range(3) {\n"
                  "  h = res_block(h, 4)\n"
                  "}\n");
  std::string expected;
  for (std::string b : {"h", "h_1", "h_2"}) {
    expected += b + "/h/kernel f32[3,3,4,4]\n";
    for (std::string v : {"gamma", "beta", "moving_mean", "moving_variance"}) expected += b + "/h_1/" + v + " f32[4]\n";
    // In `h = BatchNorm(Conv2D(h, ...))` the BatchNorm takes its scope first, the Conv2D after it;
    // the BatchNorm's variables come after its input's.
    expected += b + "/h_3/kernel f32[3,3,4,4]\n";
    for (std::string v : {"gamma", "beta", "moving_mean", "moving_variance"}) expected += b + "/h_2/" + v + " f32[4]\n";
  }
  EXPECT_EQ(variables(m), expected);
}

TEST(Functions, ACallBoundToANameMakesItsScope) {
  Model m = lower(std::string(kInput) +
                  "def conv(x, n = 2) {\n"
                  "  c = Conv2D(x, n, 1)\n"
                  "  return Conv2D(c, n, 1)\n"
                  "}\n"
                  "b = conv(x)\n"
                  "b = conv(b, n = 3)\n"
                  "d = Dense(Flatten(conv(b)), 5)\n");
  EXPECT_EQ(variables(m),
            "b/c/kernel f32[1,1,4,2]\nb/c/bias f32[2]\nb/output/kernel f32[1,1,2,2]\nb/output/bias f32[2]\n"
            "b_1/c/kernel f32[1,1,2,3]\nb_1/c/bias f32[3]\nb_1/output/kernel f32[1,1,3,3]\nb_1/output/bias f32[3]\n"
            // The Dense takes `d` before its argument; the Flatten takes no name; the call is `d_1`.
            "d_1/c/kernel f32[1,1,3,2]\nd_1/c/bias f32[2]\nd_1/output/kernel f32[1,1,2,2]\nd_1/output/bias f32[2]\n"
            "d/kernel f32[128,5]\nd/bias f32[5]\n");
}

TEST(Functions, CallsWithoutVariablesTakeNoScopeName) {
  Model m = lower(std::string(kInput) +
                  "def act(x) {\n  return relu(x)\n}\n"
                  "c = act(x)\n"
                  "c = Conv2D(c, 2, 1)\n"
                  "p = MaxPool2D(c)\n"
                  "p = Conv2D(p, 2, 1)\n");
  EXPECT_EQ(variables(m), "c/kernel f32[1,1,4,2]\nc/bias f32[2]\np/kernel f32[1,1,2,2]\np/bias f32[2]\n");
}

TEST(Functions, ScopingOfParametersAndFileBindings) {
  Model m = lower(std::string(kInput) +
                  "units = 99\n"
                  "scale = 2\n"
                  "def head(x, units) {\n"  // the parameter shadows the file's `units`
                  "  f = Flatten(x) * scale\n"
                  "  return Dense(f, units)\n"
                  "}\n"
                  "scale = 5\n"  // a rebinding after the def is not seen by it
                  "y = head(x, 3)\n"
                  "z = Dense(Flatten(x), units)\n");
  EXPECT_EQ(named(m, "y/output/kernel").shape, (Shape{256, 3}));
  EXPECT_EQ(named(m, "z/kernel").shape, (Shape{256, 99}));
  const Node& product = m.graph.node(named(m, "y/f").id);
  EXPECT_EQ(product.op, Op::Mul);
  EXPECT_EQ(m.graph.node(product.inputs[1]).attrs.getFloat("value", 0), 2.0);
  // The body's own bindings do not leak out; names bound after the def are unknown in it.
  expectError(std::string(kInput) + "def f(x) {\n  t = x\n  return t\n}\ny = f(x)\nz = t\n", 7, 5, "unknown name 't'");
  expectError(std::string(kInput) + "def f(x) {\n  return x * late\n}\nlate = 2\ny = f(x)\n", 3, 14,
              "unknown name 'late' (in f, called at test.mnn:6:5)");
}

TEST(Functions, LoopIndexIsAConstantAndBindingsStayVisible) {
  Model m = lower(std::string(kInput) +
                  "h = x\n"
                  "for i in range(1, 3) {\n"
                  "  filters = 4 * (i + 1)\n"
                  "  h = Conv2D(h, filters, 1)\n"
                  "  last = i\n"
                  "}\n"
                  "a = placeholder(f32, [last, filters, i])\n"
                  "for j in range(0) {\n  never = 1\n}\n");
  EXPECT_EQ(variables(m), "h/kernel f32[1,1,4,8]\nh/bias f32[8]\nh_1/kernel f32[1,1,8,12]\nh_1/bias f32[12]\n");
  EXPECT_EQ(named(m, "a").shape, (Shape{2, 12, 2}));
  expectError(std::string(kInput) + "for j in range(0) {\n  never = 1\n}\nv = placeholder(f32, [never])\n", 5, 23,
              "expected a constant number, found 'never'");
}

TEST(Functions, IfChoosesAProjectionShortcutAtCompileTime) {
  Model m = lower(std::string(kInput) +
                  "def block(x, filters, strides = 1) {\n"
                  "  h = Conv2D(x, filters, 3, strides = strides, padding = same)\n"
                  "  if strides != 1 {\n"
                  "    x = Conv2D(x, filters, 1, strides = strides)\n"
                  "  }\n"
                  "  return relu(h + x)\n"
                  "}\n"
                  "a = block(x, 4)\n"
                  "b = block(a, 8, strides = 2)\n");
  EXPECT_EQ(variables(m),
            "a/h/kernel f32[3,3,4,4]\na/h/bias f32[4]\n"
            "b/h/kernel f32[3,3,4,8]\nb/h/bias f32[8]\nb/x/kernel f32[1,1,4,8]\nb/x/bias f32[8]\n");
}

TEST(Functions, WordsAndListsPassThroughParameters) {
  Model m = lower(std::string(kInput) +
                  "def conv(x, act = none, pad = valid, k = [3, 1]) {\n"
                  "  return Conv2D(x, 2, k, padding = pad, activation = act)\n"
                  "}\n"
                  "a = conv(x, relu, same)\n"
                  "b = conv(x, k = [1, 3])\n");
  EXPECT_EQ(named(m, "a/output/kernel").shape, (Shape{3, 1, 4, 2}));
  EXPECT_EQ(named(m, "a").op, Op::Relu);
  EXPECT_EQ(named(m, "a").shape, (Shape{kBatch, 8, 8, 2}));
  EXPECT_EQ(named(m, "b/output/kernel").shape, (Shape{1, 3, 4, 2}));
  EXPECT_EQ(named(m, "b").shape, (Shape{kBatch, 8, 6, 2}));
}

TEST(Functions, NestedCallsAndProvenance) {
  Model m = lower(std::string(kInput) +      // line 1
                  "def inner(x) {\n"         // 2
                  "  c = Conv2D(x, 2, 1)\n"  // 3
                  "  return c\n"             // 4
                  "}\n"                      // 5
                  "def outer(x) {\n"         // 6
                  "  return inner(x) + 1\n"  // 7
                  "}\n"                      // 8
                  "y = outer(x)\n"           // 9
                  "z = inner(x)\n");         // 10
  const Node& kernel = named(m, "y/output/c/kernel");
  EXPECT_EQ(kernel.loc.line, 3);
  std::string text = printNode(m.graph, kernel.id);
  EXPECT_NE(text.find("# y/output/c/kernel test.mnn:3:7 (in inner defined at test.mnn:2:1, called at test.mnn:7:10; "
                      "in outer defined at test.mnn:6:1, called at test.mnn:9:5)"),
            std::string::npos)
      << text;
  std::string direct = printNode(m.graph, named(m, "z/c/kernel").id);
  EXPECT_NE(direct.find("test.mnn:3:7 (in inner defined at test.mnn:2:1, called at test.mnn:10:5)"), std::string::npos)
      << direct;
  std::string outside = printNode(m.graph, named(m, "x").id);
  EXPECT_EQ(outside.find("(in "), std::string::npos) << outside;
}

// ---- errors ----

TEST(FunctionsErrors, RecursionNamesTheCycle) {
  expectError(std::string(kInput) + "def f(x) {\n  return f(x)\n}\ny = f(x)\n", 3, 10,
              "recursive call f -> f (a function is expanded where it is called, so it cannot call itself) (in f, "
              "called at test.mnn:5:5)");
  expectError(std::string(kInput) +
                  "def a(x) {\n  return b(x)\n}\n"
                  "def b(x) {\n  return c(x)\n}\n"
                  "def c(x) {\n  return a(x)\n}\n"
                  "y = a(x)\n",
              9, 10, "recursive call a -> b -> c -> a");
}

TEST(FunctionsErrors, ErrorsInsideAFunctionNameTheCall) {
  // line 3 col 7: a dilated 3x3 filter wider than the 8x8 input; called at line 6 col 5.
  expectError(std::string(kInput) + "def f(x) {\n  d = Conv2D(x, 3, 3, dilation = 5)\n  return d\n}\ny = f(x)\n", 3, 7,
              "conv2d: a 3x3 filter does not fit input f32[?,8,8,4] with valid padding (in f, called at "
              "test.mnn:6:5)");
  // A misspelled name passed as an argument is reported at the argument.
  expectError(std::string(kInput) + "def f(x) {\n  return relu(x)\n}\ny = f(xx)\n", 5, 7, "unknown name 'xx'");
}

TEST(FunctionsErrors, ArgumentsAreChecked) {
  std::string def = std::string(kInput) + "def f(x, n = 2) {\n  return Conv2D(x, n, 1)\n}\n";
  expectError(def + "y = f()\n", 5, 5, "f expects argument 'x', found 0 arguments");
  expectError(def + "y = f(x, 1, 2)\n", 5, 13, "f takes at most 2 arguments, found 3");
  expectError(def + "y = f(x, m = 2)\n", 5, 10, "f has no argument 'm' (expected one of: x, n)");
  expectError(std::string(kInput) + "def f(x, n = x) {\n  return x\n}\n", 2, 14,
              "expected a constant, found the graph value 'x'");
  expectError(def + "def f(y) {\n  return y\n}\n", 5, 1, "def f is defined twice (first at 2:1)");
}

TEST(FunctionsErrors, UnknownFunctionsSuggestTheNearestName) {
  std::string def = std::string(kInput) + "def res_block(x) {\n  return relu(x)\n}\n";
  expectError(def + "y = res_blok(x)\n", 5, 5,
              "unknown op 'res_blok' (did you mean 'res_block'? expected one of: res_block, abs,");
  expectError(def + "y = rleu(x)\n", 5, 5, "unknown op 'rleu' (did you mean 'relu'? ");
  expectError(def + "y = Dense2(x)\n", 5, 5, "unknown layer 'Dense2' (did you mean 'Dense'?");
  expectError(def + "y = zzzzzzzz(x)\n", 5, 5, "unknown op 'zzzzzzzz'");
  EXPECT_EQ(nearestName("res_blokc", {"res_block", "relu"}), "res_block");  // a swap is one edit
  EXPECT_EQ(nearestName("qqq", {"res_block", "relu"}), "");
}

TEST(FunctionsErrors, ConditionsAndBoundsMustBeConstants) {
  expectError(std::string(kInput) + "if x {\n  y = 1\n}\n", 2, 4, "expected a condition known when compiling");
  expectError(std::string(kInput) + "for i in range(x) {\n  y = 1\n}\n", 2, 16, "expected a constant bound of range");
  expectError(std::string(kInput) + "for i in range(1, 2, 3) {\n}\n", 2, 10,
              "range expects range(N) or range(START, STOP), found 3 arguments");
  expectError(std::string(kInput) + "for i in range(2.5) {\n}\n", 2, 16, "expected an integer for a bound of range");
  expectError(std::string(kInput) + "for i in range(1000000) {\n  y = 1\n}\n", 2, 1,
              "expected at most 10000 loop bodies and function calls");
  std::string chain = kInput;  // f0 calls f1 calls ... f149
  for (int k = 0; k < 150; ++k) chain += fmt::format("def f{}(x) {{\n  return f{}(x)\n}}\n", k, k + 1);
  chain += "def f150(x) {\n  return x\n}\ny = f0(x)\n";
  // At the return in f99, the 100th call deep.
  expectError(chain, 3 + 3 * 99, 10, "expected calls nested at most 100 deep, found deeper ones");
  expectError(std::string(kInput) + "y = x // 2\n", 2, 7, "expected constants on both sides of '//'");
  expectError(std::string(kInput) + "n = 3 // 0\n", 2, 7, "division by zero in a constant expression");
  expectError(std::string(kInput) + "c = \"same\"\nif c {\n}\n", 3, 4, "expected true or false as the condition");
}

}  // namespace
}  // namespace graphc
