// \file Unit tests of the .mnn parser, the AST printer and diagnostics, incl. the spec's examples.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "frontend/parser.h"
#include "support/diagnostics.h"

namespace graphc {
namespace {

// The spec's section 8 examples, verbatim.
const char* kLenet5 = R"(model lenet5

x = placeholder(f32, [?, 28, 28, 1])
y = placeholder(i32, [?])

c1 = Conv2D(x, 6, kernel = 5, padding = same, activation = relu)
p1 = MaxPool2D(c1, 2)
c2 = Conv2D(p1, 16, kernel = 5, activation = relu)
p2 = MaxPool2D(c2, 2)
f  = Flatten(p2)
d1 = Dense(f, 120, activation = relu)
d2 = Dense(d1, 84, activation = relu)
probs = Dense(d2, 10, activation = softmax)

loss = sparse_categorical_crossentropy(probs, y)
acc  = accuracy(probs, y)

train {
  data      = mnist(scale = 1/255)
  feed      = {x: image, y: label}
  optimizer = sgd(lr = 0.01)
  minimize  = loss
  batch     = 32
  epochs    = 30
  metrics   = [acc]
  early_stopping = {monitor: val_loss, patience: 3}
}
)";

const char* kMnistDeep = R"(model mnist_deep

x         = placeholder(f32, [?, 784])
y_        = placeholder(f32, [?, 10])
keep_prob = placeholder(f32, [], default = 1.0)

scope conv1 {
  W = variable([5, 5, 1, 32], init = truncated_normal(stddev = 0.1))
  b = variable([32], init = constant(0.1))
  h = relu(conv2d(reshape(x, [-1, 28, 28, 1]), W, padding = same) + b)
  pool = max_pool(h, 2, padding = same)
}
scope conv2 {
  W = variable([5, 5, 32, 64], init = truncated_normal(stddev = 0.1))
  b = variable([64], init = constant(0.1))
  h = relu(conv2d(conv1.pool, W, padding = same) + b)
  pool = max_pool(h, 2, padding = same)
}
scope fc {
  W = variable([3136, 1024], init = truncated_normal(stddev = 0.1))
  b = variable([1024], init = constant(0.1))
  h = relu(reshape(conv2.pool, [-1, 3136]) @ W + b)
  drop = dropout(h, keep_prob)
}
scope readout {
  W = variable([1024, 10], init = truncated_normal(stddev = 0.1))
  b = variable([10], init = constant(0.1))
  y_conv = softmax(fc.drop @ W + b)
}

cross_entropy = -reduce_sum(y_ * log(readout.y_conv))
accuracy = reduce_mean(cast(argmax(readout.y_conv, 1) == argmax(y_, 1), f32))

train {
  data       = mnist(scale = 1/255)
  feed       = {x: image, y_: label, keep_prob: 0.5}
  optimizer  = adam(lr = 1e-4)
  minimize   = cross_entropy
  batch      = 50
  steps      = 10000
  eval_every = 100
  metrics    = [accuracy]
}
)";

// A one-line s-expression of an expression, so precedence tests read at a glance.
std::string sexpr(const Expr& e) {
  std::ostringstream out;
  switch (e.kind) {
    case ExprKind::Number:
      out << e.number << (e.isInteger ? "" : "f");
      break;
    case ExprKind::String:
      out << '"' << e.text << '"';
      break;
    case ExprKind::Bool:
      out << (e.boolValue ? "true" : "false");
      break;
    case ExprKind::Ident:
      out << e.text;
      break;
    case ExprKind::Question:
      out << '?';
      break;
    case ExprKind::List:
      out << '[';
      for (size_t i = 0; i < e.items.size(); ++i) out << (i ? " " : "") << sexpr(*e.items[i]);
      out << ']';
      break;
    case ExprKind::Map:
      out << '{';
      for (size_t i = 0; i < e.entries.size(); ++i) {
        out << (i ? " " : "") << sexpr(*e.entries[i].first) << ':' << sexpr(*e.entries[i].second);
      }
      out << '}';
      break;
    case ExprKind::Unary:
    case ExprKind::Binary:
      out << '(' << e.text;
      for (const ExprPtr& item : e.items) out << ' ' << sexpr(*item);
      out << ')';
      break;
    case ExprKind::Member:
      out << "(. " << sexpr(*e.items[0]) << ' ' << e.text << ')';
      break;
    case ExprKind::Index:
      out << "([] " << sexpr(*e.items[0]) << ' ' << sexpr(*e.items[1]) << ')';
      break;
    case ExprKind::Call:
      out << e.text << '(';
      for (size_t i = 0; i < e.args.size(); ++i) {
        out << (i ? " " : "") << (e.args[i].key.empty() ? "" : e.args[i].key + "=") << sexpr(*e.args[i].value);
      }
      out << ')';
      break;
  }
  return out.str();
}

Program parse(const std::string& source) { return parseProgram("test.mnn", source); }

ExprPtr parseValue(const std::string& expression) {
  Program program = parse("v = " + expression + "\n");
  return program.stmts.at(0).value;
}

std::string sexprOf(const std::string& expression) { return sexpr(*parseValue(expression)); }

// Parses source that must fail and checks where and what the error says.
void expectError(const std::string& source, int line, int col, const std::string& fragment) {
  try {
    parse(source);
    ADD_FAILURE() << "no error for:\n" << source;
  } catch (const UserError& error) {
    EXPECT_EQ(error.loc().line, line) << error.what();
    EXPECT_EQ(error.loc().col, col) << error.what();
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos)
        << "message: " << error.what() << "\nwanted: " << fragment;
  }
}

TEST(Parser, Literals) {
  EXPECT_EQ(sexprOf("[1, 0.5, \"same\", true, false, same, ?]"), "[1 0.5f \"same\" true false same ?]");
  EXPECT_EQ(sexprOf("{x: image, y_: label, keep_prob: 0.5}"), "{x:image y_:label keep_prob:0.5f}");
  EXPECT_EQ(sexprOf("{}"), "{}");
  EXPECT_EQ(sexprOf("[]"), "[]");
  // Indexing binds like a member access: tighter than arithmetic, chained left to right.
  EXPECT_EQ(sexprOf("-a.b[i + 1][0] * 2"), "(* (- ([] ([] (. a b) (+ i 1)) 0)) 2)");
  EXPECT_EQ(sexprOf("split(x, 2, 1)[-1]"), "([] split(x 2 1) -1)");
  EXPECT_EQ(sexprOf("[?, 28, 28, 1,]"), "[? 28 28 1]");
  EXPECT_EQ(sexprOf("32.0"), "32f");
}

TEST(Parser, Precedence) {
  EXPECT_EQ(sexprOf("a + b * c"), "(+ a (* b c))");
  EXPECT_EQ(sexprOf("-x @ w"), "(@ (- x) w)");
  EXPECT_EQ(sexprOf("a == b + c"), "(== a (+ b c))");
  EXPECT_EQ(sexprOf("a - b - c"), "(- (- a b) c)");
  EXPECT_EQ(sexprOf("a / b * c @ d"), "(@ (* (/ a b) c) d)");
  EXPECT_EQ(sexprOf("(a + b) * c"), "(* (+ a b) c)");
  EXPECT_EQ(sexprOf("a < b != c >= d"), "(>= (!= (< a b) c) d)");
  EXPECT_EQ(sexprOf("x @ W + b"), "(+ (@ x W) b)");
  EXPECT_EQ(sexprOf("-a.b"), "(- (. a b))");
  EXPECT_EQ(sexprOf("1/255"), "(/ 1 255)");
}

TEST(Parser, NegativeNumbersAreFolded) {
  EXPECT_EQ(sexprOf("[-1, 28]"), "[-1 28]");
  ExprPtr value = parseValue("- 2.5");
  EXPECT_EQ(value->kind, ExprKind::Number);
  EXPECT_DOUBLE_EQ(value->number, -2.5);
  EXPECT_EQ(value->loc.col, 5);
  EXPECT_EQ(sexprOf("--x"), "(- (- x))");
  EXPECT_EQ(sexprOf("a - -1"), "(- a -1)");
}

TEST(Parser, CallsWithKeywordArguments) {
  EXPECT_EQ(sexprOf("Conv2D(x, 6, kernel = 5, padding = same)"), "Conv2D(x 6 kernel=5 padding=same)");
  EXPECT_EQ(sexprOf("zeros()"), "zeros()");
  EXPECT_EQ(sexprOf("f(a == b, k = c == d,)"), "f((== a b) k=(== c d))");
  EXPECT_EQ(sexprOf("f(\n  a,\n  k = 1\n)"), "f(a k=1)");
  ExprPtr call = parseValue("Conv2D(x, kernel = 5)");
  ASSERT_EQ(call->args.size(), 2u);
  EXPECT_EQ(call->loc.col, 5);
  EXPECT_EQ(call->args[1].loc.col, 15);
  EXPECT_EQ(call->args[1].value->loc.col, 24);
}

TEST(Parser, MemberAccess) {
  EXPECT_EQ(sexprOf("conv1.pool"), "(. conv1 pool)");
  EXPECT_EQ(sexprOf("a.b.c"), "(. (. a b) c)");
  ExprPtr member = parseValue("conv1.pool");
  EXPECT_EQ(member->loc.col, 5);
  EXPECT_EQ(member->opLoc.col, 11);
}

TEST(Parser, BinaryLocations) {
  ExprPtr sum = parseValue("ab + c");
  EXPECT_EQ(sum->loc.col, 5);    // where the left operand starts
  EXPECT_EQ(sum->opLoc.col, 8);  // the operator itself
}

TEST(Parser, StatementsAndBlocks) {
  Program program = parse(
      "# leading comment\n\nmodel m\nscope a { x = 1 }\nscope b {\n\n  scope c {\n    y = 2"
      "  # c\n  }\n  z = c.y\n}\ntrain { batch = 2 }\n");
  ASSERT_EQ(program.stmts.size(), 4u);
  EXPECT_EQ(program.stmts[0].kind, StmtKind::Model);
  EXPECT_EQ(program.stmts[0].name, "m");
  EXPECT_EQ(program.stmts[1].body.size(), 1u);
  const Stmt& b = program.stmts[2];
  EXPECT_EQ(b.kind, StmtKind::Scope);
  ASSERT_EQ(b.body.size(), 2u);
  EXPECT_EQ(b.body[0].kind, StmtKind::Scope);
  EXPECT_EQ(b.body[0].body[0].name, "y");
  EXPECT_EQ(b.body[0].body[0].loc.line, 8);
  EXPECT_EQ(program.stmts[3].kind, StmtKind::Train);
  EXPECT_EQ(program.stmts[3].body[0].name, "batch");
  EXPECT_TRUE(parse("").stmts.empty());
  EXPECT_TRUE(parse("# only a comment").stmts.empty());
}

TEST(Parser, Lenet5) {
  Program program = parse(kLenet5);
  ASSERT_EQ(program.stmts.size(), 14u);
  EXPECT_EQ(program.stmts[0].name, "lenet5");
  EXPECT_EQ(sexpr(*program.stmts[1].value), "placeholder(f32 [? 28 28 1])");
  EXPECT_EQ(sexpr(*program.stmts[3].value), "Conv2D(x 6 kernel=5 padding=same activation=relu)");
  const Stmt& train = program.stmts.back();
  ASSERT_EQ(train.kind, StmtKind::Train);
  ASSERT_EQ(train.body.size(), 8u);
  EXPECT_EQ(sexpr(*train.body[0].value), "mnist(scale=(/ 1 255))");
  EXPECT_EQ(sexpr(*train.body[1].value), "{x:image y:label}");
  EXPECT_EQ(sexpr(*train.body[7].value), "{monitor:val_loss patience:3}");
  EXPECT_EQ(train.body[7].name, "early_stopping");
  EXPECT_EQ(train.body[7].loc.line, 26);
}

TEST(Parser, MnistDeep) {
  Program program = parse(kMnistDeep);
  ASSERT_EQ(program.stmts.size(), 11u);
  const Stmt& conv1 = program.stmts[4];
  ASSERT_EQ(conv1.kind, StmtKind::Scope);
  EXPECT_EQ(conv1.name, "conv1");
  ASSERT_EQ(conv1.body.size(), 4u);
  EXPECT_EQ(sexpr(*conv1.body[2].value), "relu((+ conv2d(reshape(x [-1 28 28 1]) W padding=same) b))");
  EXPECT_EQ(sexpr(*program.stmts[6].body[2].value), "relu((+ (@ reshape((. conv2 pool) [-1 3136]) W) b))");
  EXPECT_EQ(sexpr(*program.stmts[8].value), "(- reduce_sum((* y_ log((. readout y_conv)))))");
  EXPECT_EQ(sexpr(*program.stmts[9].value), "reduce_mean(cast((== argmax((. readout y_conv) 1) argmax(y_ 1)) f32))");
  EXPECT_EQ(program.stmts[10].body.size(), 8u);
  EXPECT_EQ(sexpr(*program.stmts[10].body[2].value), "adam(lr=0.0001f)");
}

TEST(AstPrinter, IsIndentedWithLocations) {
  Program program = parse(
      "model m\nscope s {\n  c1 = Conv2D(x, -1, kernel = 5.0)\n}\n"
      "train {\n  feed = {x: \"a\\\"b\"}\n}\n");
  EXPECT_EQ(printAst(program),
            "model m @1:1\n"
            "scope s @2:1\n"
            "  assign c1 @3:3\n"
            "    call Conv2D @3:8\n"
            "      ident x @3:15\n"
            "      number -1 @3:18\n"
            "      arg kernel= @3:22\n"
            "        number 5.0 @3:31\n"
            "train @5:1\n"
            "  assign feed @6:3\n"
            "    map @6:10\n"
            "      entry @6:11\n"
            "        ident x @6:11\n"
            "        string \"a\\\"b\" @6:14\n");
  EXPECT_EQ(printAst(parse("v = [10, 1000.0, -0, 1e-4, 1e-7, 2.5e20, 1/3]\n")),
            "assign v @1:1\n"
            "  list @1:5\n"
            "    number 10 @1:6\n"
            "    number 1000.0 @1:10\n"
            "    number -0 @1:18\n"
            "    number 0.0001 @1:22\n"
            "    number 1e-07 @1:28\n"
            "    number 2.5e+20 @1:34\n"
            "    binary / @1:42\n"
            "      number 1 @1:42\n"
            "      number 3 @1:44\n");
  EXPECT_EQ(printAst(parse("v = -a.b + 0.1 * [?, true]\n")),
            "assign v @1:1\n"
            "  binary + @1:5\n"
            "    unary - @1:5\n"
            "      member b @1:6\n"
            "        ident a @1:6\n"
            "    binary * @1:12\n"
            "      number 0.1 @1:12\n"
            "      list @1:18\n"
            "        question @1:19\n"
            "        bool true @1:22\n");
}

TEST(ParserErrors, MissingCloseParenAtEndOfLine) {
  expectError("x = 1\nc1 = Conv2D(x, 6, kernel = 5\np1 = MaxPool2D(c1, 2)\n", 2, 29,
              "expected ')' to close the call to Conv2D, found end of line");
}

TEST(ParserErrors, MissingCommaInCall) {
  expectError("c = f(a b)", 1, 9, "expected ',' or ')' in the call to f, found 'b'");
}

TEST(ParserErrors, UnclosedListAndMapAndParen) {
  expectError("s = [1, 2\nt = 3\n", 1, 10, "expected ']' to close the list, found end of line");
  expectError("m = {a: 1 b: 2}", 1, 11, "expected ',' or '}' in the map, found 'b'");
  expectError("m = {a 1}", 1, 8, "expected ':' after the map key, found number 1");
  expectError("v = (a + b\n", 1, 11, "expected ')', found end of line");
  expectError("v = f(a", 1, 8, "expected ',' or ')' in the call to f, found end of file");
}

TEST(ParserErrors, ExpectedExpression) {
  expectError("v = a + * b", 1, 9, "expected an expression, found '*'");
  expectError("v =\n", 1, 4, "expected an expression, found end of line");
  expectError("v = [1, , 2]", 1, 9, "expected an expression, found ','");
  expectError("v = model", 1, 5, "expected an expression, found keyword 'model'");
}

TEST(ParserErrors, StrayTokenAfterStatement) {
  expectError("a = 1 2\n", 1, 7, "expected end of line after the statement, found number 2");
  expectError("a = f(x))\n", 1, 9, "expected end of line after the statement, found ')'");
  expectError("scope s {\n}  x\n", 2, 4, "expected end of line after '}', found 'x'");
}

TEST(ParserErrors, MissingEquals) {
  expectError("x placeholder(f32)", 1, 3, "expected '=' after 'x', found 'placeholder'");
  expectError("print(x)", 1, 6, "expected '=' after 'print', found '('");
}

TEST(ParserErrors, PositionalAfterKeyword) {
  expectError("c = Conv2D(x, kernel = 5, 6)", 1, 27,
              "expected only keyword arguments (NAME = VALUE) after the first one in the call "
              "to Conv2D, found a positional argument");
  expectError("c = f(k = 1, k = 2)", 1, 14, "found 'k' again (first at 1:7)");
}

TEST(ParserErrors, TwoTrainBlocks) {
  expectError("train {\n batch = 1\n}\n\ntrain {\n}\n", 5, 1,
              "expected at most one train block, found a second one (the first is at 1:1)");
}

TEST(ParserErrors, ModelNotFirst) {
  expectError("x = 1\nmodel m\n", 2, 1,
              "expected 'model NAME' only as the first statement of the file, found it after "
              "other statements");
  expectError("model a\nmodel b\n", 2, 1, "only as the first statement");
  expectError("scope s {\n  model m\n}\n", 2, 3, "found it inside a block");
  expectError("model\n", 1, 6, "expected the model's name after 'model', found end of line");
}

TEST(ParserErrors, UnknownCharacterThroughParser) {
  expectError("x = 1\ny = x $ 2\n", 2, 7, "expected a name, number, string or operator, found '$'");
  expectError("s = \"same\n", 1, 5, "expected '\"' to close the string");
}

TEST(ParserErrors, TrainBlockHoldsOnlyAssignments) {
  expectError("train {\n  batch = 32\n  scope s {\n  }\n}\n", 3, 3,
              "expected KEY = EXPR or '}' to close the train block (opened at 1:7), found keyword "
              "'scope'");
  expectError("train {\n  32\n}\n", 2, 3, "expected KEY = EXPR");
  expectError("train {\n batch = 1\n batch = 2\n}\n", 3, 2,
              "expected each train key once, found 'batch' again (first set at 2:2)");
  expectError("scope s {\n  train {\n  }\n}\n", 2, 3,
              "expected the train block at the top level, found it inside scope s");
}

TEST(ParserErrors, UnterminatedBlocks) {
  expectError("scope conv1 {\n  W = 1\n", 2, 8,
              "expected '}' to close scope conv1 (opened at 1:13), found end of file");
  expectError("train {\n  batch = 1", 2, 12,
              "expected '}' to close the train block (opened at 1:7), found end of file");
  expectError("scope s\n{\n}\n", 1, 8, "expected '{' after 'scope s', found end of line");
  expectError("scope {\n}\n", 1, 7, "expected the scope's name after 'scope', found '{'");
}

TEST(ParserErrors, BadStatementStartAndCalls) {
  expectError("= 3\n", 1, 1, "expected a statement (model NAME, NAME = EXPR");
  expectError("v = a.(b)\n", 1, 7, "expected a member name after '.', found '('");
  expectError("v = a.b(c)\n", 1, 8, "expected a function name before '('");
  expectError("scope s {\n  3\n}\n", 2, 3, "expected NAME = EXPR, a nested scope, for, if or '}'");
}

TEST(ParserErrors, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "v = " + std::string(5000, '(') + "1" + std::string(5000, ')');
  expectError(deep, 1, 205, "levels of nesting");
  EXPECT_THROW(parse("v = " + std::string(5000, '-') + "x"), UserError);
}

TEST(Diagnostics, CaretUnderTheColumn) {
  std::string source = "x = 1\nc1 = Conv2D(x,, 6)\n";
  EXPECT_EQ(formatDiagnostic("lenet.mnn", source, {2, 15}, "expected an expression, found ','"),
            "lenet.mnn:2:15: error: expected an expression, found ','\n"
            "  c1 = Conv2D(x,, 6)\n"
            "                ^\n");
}

TEST(Diagnostics, TabsAreKeptAndNoLocationHasNoCaret) {
  EXPECT_EQ(formatDiagnostic("t.mnn", "a = 1\n\tb = $\r\n", {2, 6}, "bad"),
            "t.mnn:2:6: error: bad\n  \tb = $\n  \t    ^\n");
  EXPECT_EQ(formatDiagnostic("t.mnn", "a = 1\n", {}, "no location"), "t.mnn: error: no location\n");
}

TEST(Diagnostics, ErrorFromParserFormatsEndToEnd) {
  std::string source = "model m\ny = f(1\n";
  try {
    parseProgram("m.mnn", source);
    FAIL() << "no error";
  } catch (const UserError& error) {
    EXPECT_EQ(formatDiagnostic("m.mnn", source, error.loc(), error.what()),
              "m.mnn:2:8: error: expected ')' to close the call to f, found end of line\n"
              "  y = f(1\n"
              "         ^\n");
  }
}

TEST(Diagnostics, InternalCheckNamesThePass) {
  EXPECT_NO_THROW(internalCheck(true, "shape_inference", "fine"));
  try {
    internalCheck(false, "shape_inference", "node without a shape");
    FAIL() << "no throw";
  } catch (const InternalError& error) {
    EXPECT_STREQ(error.what(), "internal error in shape_inference: node without a shape");
  }
}

TEST(ParseFile, ReadsTheFileAndNamesAMissingOne) {
  std::string path = ::testing::TempDir() + "graphc_parse_file_test.mnn";
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs(kLenet5, file);
  std::fclose(file);
  Program program = parseFile(path);
  EXPECT_EQ(program.file, path);
  EXPECT_EQ(program.source, kLenet5);
  EXPECT_EQ(program.stmts.size(), 14u);
  std::remove(path.c_str());
  try {
    parseFile("/nonexistent/dir/model.mnn");
    FAIL() << "no throw";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/dir/model.mnn"), std::string::npos);
  }
  EXPECT_THROW(parseFile(::testing::TempDir()), InputError);
}

}  // namespace
}  // namespace graphc
