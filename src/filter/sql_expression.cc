// SQL92 selector: recursive-descent parser (the grammar of Java's SelectorParser.jj) building a
// small tree in a vector, and its evaluator (Java's ComparisonExpression, LogicExpression,
// UnaryExpression semantics, three-valued). AND/OR chains are stored n-ary, so the tree depth
// stays bounded by parentheses and unary operators, which the parser limits.
#include "filter/sql_expression.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "common/message_properties.h"
#include "filter/sql_lexer.h"

namespace rmq::filter {

namespace {

enum class VType { kNull, kBool, kInt, kLong, kDouble, kString };

struct Value {
  VType t = VType::kNull;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  static Value Bool(bool v) {
    Value x;
    x.t = VType::kBool;
    x.b = v;
    return x;
  }
};

enum class Op {
  kConst, kProperty, kAnd, kOr, kNot, kBoolCast, kEqual, kGt, kGe, kLt, kLe, kNegate, kIn,
  kContains, kStartsWith, kEndsWith,
};

bool IsDigitRun(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Java's Long.valueOf / Integer.valueOf (ASCII digits).
bool ParseJavaLong(std::string_view s, int64_t lo, int64_t hi, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (!IsDigitRun(s)) return false;
  // Accumulate negatively so that the minimum value fits.
  int64_t v = 0;
  for (char c : s) {
    int d = c - '0';
    if (v < (std::numeric_limits<int64_t>::min() + d) / 10) return false;
    v = v * 10 - d;
  }
  if (!neg) {
    if (v == std::numeric_limits<int64_t>::min()) return false;
    v = -v;
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

// Java's Double.valueOf for decimal text: surrounding whitespace, sign, NaN/Infinity, digits with
// an optional point and exponent, an optional f/F/d/D suffix. (Hex floats are not accepted.)
bool ParseJavaDouble(std::string_view s, double* out) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "Infinity") {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (!s.empty() && (s.back() == 'f' || s.back() == 'F' || s.back() == 'd' || s.back() == 'D')) s.remove_suffix(1);
  size_t i = 0, digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  if (i != s.size()) return false;
  std::string text(s);
  double v = std::strtod(text.c_str(), nullptr);  // overflow -> inf, underflow -> 0, as Java
  *out = neg ? -v : v;
  return true;
}

bool EqualsIgnoreCaseTrue(std::string_view s) {
  if (s.size() != 4) return false;
  static const char kTrue[] = "true";
  for (size_t i = 0; i < 4; ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kTrue[i]) return false;
  }
  return true;
}

// Double.compareTo: -0.0 < 0.0, NaN above everything and equal to itself.
int CompareDouble(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  auto bits = [](double x) {
    if (std::isnan(x)) return int64_t{0x7ff8000000000000};
    int64_t v;
    std::memcpy(&v, &x, sizeof v);
    return v;
  };
  int64_t x = bits(a), y = bits(b);
  return x == y ? 0 : (x < y ? -1 : 1);
}

template <typename T>
int Cmp(T a, T b) { return a < b ? -1 : (a > b ? 1 : 0); }

// Java's Double.toString: plain between 1e-3 and 1e7, else d.dddE[-]n; shortest digits.
std::string JavaDoubleString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  double a = std::fabs(d);
  if (a == 0 || (a >= 1e-3 && a < 1e7)) {
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    std::string s(buf, r.ptr);
    if (s.find('.') == std::string::npos) s += ".0";
    return s;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e), exp = s.substr(e + 1);
  if (mant.find('.') == std::string::npos) mant += ".0";
  if (exp[0] == '+') exp.erase(0, 1);
  size_t nz = exp[0] == '-' ? 1 : 0;
  while (exp.size() > nz + 1 && exp[nz] == '0') exp.erase(nz, 1);
  return mant + "E" + exp;
}

bool IsNumber(VType t) { return t == VType::kInt || t == VType::kLong || t == VType::kDouble; }

// Java's ComparisonExpression.__compare with string conversion on: values of different types are
// converted towards each other; a string that does not parse is an error (false); types that
// cannot meet compare as -1. Neither value is null.
bool Compare(Value l, Value r, int* out) {
  if (l.t != r.t) {
    switch (l.t) {
      case VType::kBool:
        if (r.t == VType::kString) return false;  // Java casts the Boolean to String: an exception
        *out = -1;
        return true;
      case VType::kInt:
      case VType::kLong:
        if (r.t == VType::kString) {
          int64_t v;
          bool is_int = l.t == VType::kInt;
          if (!ParseJavaLong(r.s, is_int ? INT32_MIN : INT64_MIN, is_int ? INT32_MAX : INT64_MAX, &v)) return false;
          *out = Cmp(l.i, v);
        } else if (r.t == VType::kDouble) {
          *out = CompareDouble(static_cast<double>(l.i), r.d);
        } else if (IsNumber(r.t)) {
          *out = Cmp(l.i, r.i);
        } else {
          *out = -1;
        }
        return true;
      case VType::kDouble:
        if (r.t == VType::kString) {
          double v;
          if (!ParseJavaDouble(r.s, &v)) return false;
          *out = CompareDouble(l.d, v);
        } else if (IsNumber(r.t)) {
          *out = CompareDouble(l.d, static_cast<double>(r.i));
        } else {
          *out = -1;
        }
        return true;
      case VType::kString:
        if (r.t == VType::kBool) {
          *out = Cmp(EqualsIgnoreCaseTrue(l.s), r.b);
        } else if (r.t == VType::kInt || r.t == VType::kLong) {
          int64_t v;
          bool is_int = r.t == VType::kInt;
          if (!ParseJavaLong(l.s, is_int ? INT32_MIN : INT64_MIN, is_int ? INT32_MAX : INT64_MAX, &v)) return false;
          *out = Cmp(v, r.i);
        } else if (r.t == VType::kDouble) {
          double v;
          if (!ParseJavaDouble(l.s, &v)) return false;
          *out = CompareDouble(v, r.d);
        } else {
          *out = -1;
        }
        return true;
      case VType::kNull:
        *out = -1;
        return true;
    }
  }
  switch (l.t) {
    case VType::kBool: *out = Cmp(l.b, r.b); break;
    case VType::kInt:
    case VType::kLong: *out = Cmp(l.i, r.i); break;
    case VType::kDouble: *out = CompareDouble(l.d, r.d); break;
    case VType::kString: *out = l.s.compare(r.s) < 0 ? -1 : (l.s == r.s ? 0 : 1); break;
    case VType::kNull: *out = 0; break;
  }
  return true;
}

}  // namespace

struct SqlExpression::Node {
  Op op = Op::kConst;
  VType ctype = VType::kNull;  // kConst
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string str;  // kConst string, kProperty name, kContains.. pattern
  std::vector<int> kids;
  std::vector<std::string> list;  // kIn
  bool negated = false;           // kIn, kContains..
  int depth = 1;
};

using Node = SqlExpression::Node;

SqlExpression::SqlExpression() = default;
SqlExpression::~SqlExpression() = default;

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
 public:
  Parser(std::string_view sql, std::vector<Token> toks, SqlExpression* e) : sql_(sql), toks_(std::move(toks)), e_(e) {}

  // Like Java's JmsSelector(), text after a complete expression is not looked at (no <EOF> rule),
  // and a lexical error counts only when the parser reaches it.
  Status Run() {
    int n;
    Status s = OrExpr(&n);
    if (s.ok()) s = AsBoolean(n, &n);
    if (s.ok() && lex_error_ != nullptr) s = Status::InvalidArgument(lex_error_->text);
    if (!s.ok()) return s;
    e_->root_ = n;
    return Status::OK();
  }

 private:
  const Token& Peek(size_t ahead = 0) {
    size_t i = std::min(pos_ + ahead, toks_.size() - 1);
    if (toks_[i].kind == Tok::kError && lex_error_ == nullptr) lex_error_ = &toks_[i];
    return toks_[i];
  }
  bool Accept(Tok k) {
    if (Peek().kind != k) return false;
    ++pos_;
    return true;
  }
  // Java 4.9's remarks: the class of the exception the selector parser threw, then its message.
  Status Unexpected() {
    const Token& t = Peek();
    if (t.kind == Tok::kError) return Status::InvalidArgument(t.text);
    std::string what;
    if (t.kind == Tok::kEnd) {
      what = "\"<EOF>\" at " + JavaPosition(sql_, sql_.empty() ? 0 : sql_.size() - 1);
    } else {
      std::string kind = TokName(t.kind);
      if (kind[0] != '<') kind = "\"" + kind + "\"";
      what = "\" " + kind + " \"" + std::string(sql_.substr(t.offset, t.length)) + " \"\" at " +
             JavaPosition(sql_, t.offset);
    }
    return Status::InvalidArgument(std::string(kParseException) + "Encountered " + what + ".");
  }
  Status Expect(Tok k) {
    if (Accept(k)) return Status::OK();
    return Unexpected();
  }
  static constexpr const char* kParseException = "org.apache.rocketmq.filter.parser.ParseException: ";
  static Status Error(const std::string& m) { return Status::InvalidArgument("java.lang.RuntimeException: " + m); }
  static Status ParseError(const std::string& m) { return Status::InvalidArgument(kParseException + m); }

  Node& At(int n) { return e_->nodes_[static_cast<size_t>(n)]; }

  Status Add(Node node, int* out) {
    for (int k : node.kids) node.depth = std::max(node.depth, At(k).depth + 1);
    if (node.depth > kMaxDepth) return ParseError("selector nested too deeply (rmqd limit " + std::to_string(kMaxDepth) + ")");
    e_->nodes_.push_back(std::move(node));
    *out = static_cast<int>(e_->nodes_.size()) - 1;
    return Status::OK();
  }
  Status Make(Op op, std::vector<int> kids, int* out) {
    Node node;
    node.op = op;
    node.kids = std::move(kids);
    return Add(std::move(node), out);
  }

  bool IsConst(int n) { return At(n).op == Op::kConst; }
  // Java's BooleanExpression: every predicate, plus the TRUE/FALSE/NULL literals.
  bool IsBoolean(int n) {
    const Node& x = At(n);
    switch (x.op) {
      case Op::kConst: return x.ctype == VType::kBool || x.ctype == VType::kNull;
      case Op::kProperty:
      case Op::kNegate: return false;
      default: return true;
    }
  }
  std::string Describe(int n) {
    const Node& x = At(n);
    if (x.op == Op::kProperty) return x.str;
    if (x.op != Op::kConst) return "expression";
    switch (x.ctype) {
      case VType::kNull: return "NULL";
      case VType::kBool: return x.b ? "TRUE" : "FALSE";
      case VType::kString: {
        std::string q = "'";
        for (char c : x.str) q += c == '\'' ? std::string("''") : std::string(1, c);
        return q + "'";
      }
      case VType::kDouble: return JavaDoubleString(x.d);
      default: return std::to_string(x.i);
    }
  }

  Status AsBoolean(int n, int* out) {
    if (IsBoolean(n)) {
      *out = n;
      return Status::OK();
    }
    if (At(n).op == Op::kProperty) return Make(Op::kBoolCast, {n}, out);
    return ParseError("Expression will not result in a boolean value: " + Describe(n));
  }

  // AND/OR as one n-ary node per chain.
  Status Logic(Op op, int l, int r, int* out) {
    Status s = AsBoolean(l, &l);
    if (s.ok()) s = AsBoolean(r, &r);
    if (!s.ok()) return s;
    if (At(l).op == op) {
      int d = At(r).depth + 1;
      if (d > kMaxDepth) return ParseError("selector nested too deeply (rmqd limit " + std::to_string(kMaxDepth) + ")");
      At(l).kids.push_back(r);
      At(l).depth = std::max(At(l).depth, d);
      *out = l;
      return Status::OK();
    }
    return Make(op, {l, r}, out);
  }

  Status CheckLessThanOperand(int n) {
    if (IsConst(n)) {
      if (IsNumber(At(n).ctype)) return Status::OK();
      return Error("Value '" + Describe(n) + "' cannot be compared.");
    }
    if (IsBoolean(n)) return Error("Value '" + Describe(n) + "' cannot be compared.");
    return Status::OK();
  }
  Status Ordering(Op op, int l, int r, int* out) {
    Status s = CheckLessThanOperand(l);
    if (s.ok()) s = CheckLessThanOperand(r);
    if (!s.ok()) return s;
    return Make(op, {l, r}, out);
  }
  Status Equal(int l, int r, int* out) {
    for (int n : {l, r}) {
      if (IsConst(n) && At(n).ctype == VType::kNull) return Error("'NULL' cannot be compared.");
    }
    if (IsConst(l) && IsConst(r) && IsBoolean(l) && !IsBoolean(r)) {
      return Error("'" + Describe(l) + "' cannot be compared with '" + Describe(r) + "'");
    }
    return Make(Op::kEqual, {l, r}, out);
  }
  Status IsNull(int l, int* out) {
    Node null_const;
    int c;
    Status s = Add(null_const, &c);
    if (!s.ok()) return s;
    return Make(Op::kEqual, {l, c}, out);
  }
  Status Not(int n, int* out) { return Make(Op::kNot, {n}, out); }

  Status Between(bool negated, int v, int lo, int hi, int* out) {
    if (!negated && IsConst(lo) && IsConst(hi)) {
      if (At(lo).ctype == VType::kNull || At(hi).ctype == VType::kNull) {
        return Error("Illegal values of between, values can not be null!");
      }
      int c;
      if (!Compare(ConstValue(hi), ConstValue(lo), &c)) return Error("Illegal values of between");
      if (c < 0) {
        return Error("Illegal values of between, left value(" + Describe(lo) +
                     ") must less than or equal to right value(" + Describe(hi) + ")");
      }
    }
    int a, b;
    Status s = Ordering(negated ? Op::kLt : Op::kGe, v, lo, &a);
    if (s.ok()) s = Ordering(negated ? Op::kGt : Op::kLe, v, hi, &b);
    if (!s.ok()) return s;
    return Logic(negated ? Op::kOr : Op::kAnd, a, b, out);
  }

  Value ConstValue(int n) {
    const Node& x = At(n);
    Value v;
    v.t = x.ctype;
    v.b = x.b;
    v.i = x.i;
    v.d = x.d;
    v.s = x.str;
    return v;
  }

  Status StringLiteral(std::string* out) {
    if (Peek().kind != Tok::kString) return Expect(Tok::kString);
    *out = toks_[pos_++].text;
    return Status::OK();
  }

  Status OrExpr(int* out) {
    int l;
    Status s = AndExpr(&l);
    while (s.ok() && Accept(Tok::kOr)) {
      int r;
      s = AndExpr(&r);
      if (s.ok()) s = Logic(Op::kOr, l, r, &l);
    }
    *out = l;
    return s;
  }

  Status AndExpr(int* out) {
    int l;
    Status s = EqualityExpr(&l);
    while (s.ok() && Accept(Tok::kAnd)) {
      int r;
      s = EqualityExpr(&r);
      if (s.ok()) s = Logic(Op::kAnd, l, r, &l);
    }
    *out = l;
    return s;
  }

  Status EqualityExpr(int* out) {
    int l;
    Status s = ComparisonExpr(&l);
    while (s.ok()) {
      int r;
      if (Accept(Tok::kEq)) {
        s = ComparisonExpr(&r);
        if (s.ok()) s = Equal(l, r, &l);
      } else if (Accept(Tok::kNe)) {
        s = ComparisonExpr(&r);
        if (s.ok()) s = Equal(l, r, &l);
        if (s.ok()) s = Not(l, &l);
      } else if (Peek().kind == Tok::kIs && Peek(1).kind == Tok::kNull) {
        pos_ += 2;
        s = IsNull(l, &l);
      } else if (Accept(Tok::kIs)) {
        s = Expect(Tok::kNot);
        if (s.ok()) s = Expect(Tok::kNull);
        if (s.ok()) s = IsNull(l, &l);
        if (s.ok()) s = Not(l, &l);
      } else {
        break;
      }
    }
    *out = l;
    return s;
  }

  static bool IsStringOp(Tok k) { return k == Tok::kContains || k == Tok::kStartsWith || k == Tok::kEndsWith; }

  Status ComparisonExpr(int* out) {
    int l;
    Status s = UnaryExpr(&l);
    while (s.ok()) {
      const Tok k = Peek().kind;
      const bool negated = k == Tok::kNot;
      const Tok k2 = negated ? Peek(1).kind : k;
      int r;
      if (!negated && (k == Tok::kGt || k == Tok::kGe || k == Tok::kLt || k == Tok::kLe)) {
        ++pos_;
        s = UnaryExpr(&r);
        Op op = k == Tok::kGt ? Op::kGt : k == Tok::kGe ? Op::kGe : k == Tok::kLt ? Op::kLt : Op::kLe;
        if (s.ok()) s = Ordering(op, l, r, &l);
      } else if (IsStringOp(k2)) {
        pos_ += negated ? 2 : 1;
        Node node;
        node.op = k2 == Tok::kContains ? Op::kContains : k2 == Tok::kStartsWith ? Op::kStartsWith : Op::kEndsWith;
        node.negated = negated;
        node.kids = {l};
        s = StringLiteral(&node.str);
        if (s.ok()) s = Add(std::move(node), &l);
      } else if (k2 == Tok::kBetween) {
        pos_ += negated ? 2 : 1;
        int lo, hi;
        s = UnaryExpr(&lo);
        if (s.ok()) s = Expect(Tok::kAnd);
        if (s.ok()) s = UnaryExpr(&hi);
        if (s.ok()) s = Between(negated, l, lo, hi, &l);
      } else if (k2 == Tok::kIn) {
        pos_ += negated ? 2 : 1;
        Node node;
        node.op = Op::kIn;
        node.negated = negated;
        node.kids = {l};
        s = Expect(Tok::kLParen);
        do {
          std::string item;
          if (s.ok()) s = StringLiteral(&item);
          if (s.ok()) node.list.push_back(std::move(item));
        } while (s.ok() && Accept(Tok::kComma));
        if (s.ok()) s = Expect(Tok::kRParen);
        if (s.ok() && At(l).op != Op::kProperty) s = Error("Expected a property for In expression, got: " + Describe(l));
        if (s.ok()) s = Add(std::move(node), &l);
      } else {
        break;
      }
    }
    *out = l;
    return s;
  }

  Status UnaryExpr(int* out) {
    if (++nesting_ > kMaxDepth) {
      --nesting_;
      return ParseError("selector nested too deeply (rmqd limit " + std::to_string(kMaxDepth) + ")");
    }
    Status s;
    if (Accept(Tok::kPlus)) {
      s = UnaryExpr(out);
    } else if (Accept(Tok::kMinus)) {
      int n;
      s = UnaryExpr(&n);
      if (s.ok()) s = Make(Op::kNegate, {n}, out);
    } else if (Accept(Tok::kNot)) {
      int n;
      s = UnaryExpr(&n);
      if (s.ok()) s = AsBoolean(n, &n);
      if (s.ok()) s = Not(n, out);
    } else {
      s = PrimaryExpr(out);
    }
    --nesting_;
    return s;
  }

  Status PrimaryExpr(int* out) {
    const Token& t = Peek();
    Node node;
    switch (t.kind) {
      case Tok::kLParen: {
        ++pos_;
        Status s = OrExpr(out);
        if (s.ok()) s = Expect(Tok::kRParen);
        return s;
      }
      case Tok::kId:
        node.op = Op::kProperty;
        node.str = t.text;
        break;
      case Tok::kString:
        node.ctype = VType::kString;
        node.str = t.text;
        break;
      case Tok::kTrue:
      case Tok::kFalse:
        node.ctype = VType::kBool;
        node.b = t.kind == Tok::kTrue;
        break;
      case Tok::kNull:
        break;
      case Tok::kDecimal: {
        std::string_view text = t.text;
        if (text.back() == 'l' || text.back() == 'L') text.remove_suffix(1);
        if (!ParseJavaLong(text, INT64_MIN, INT64_MAX, &node.i)) {
          return Status::InvalidArgument("java.lang.NumberFormatException: For input string: \"" + std::string(text) + "\"");
        }
        node.ctype = node.i >= INT32_MIN && node.i <= INT32_MAX ? VType::kInt : VType::kLong;
        break;
      }
      case Tok::kFloat: {
        if (!ParseJavaDouble(t.text, &node.d)) return Error("bad number " + t.text);
        // Java refuses anything above Double.MAX_VALUE or below Double.MIN_VALUE (so also 0.0).
        if (node.d > std::numeric_limits<double>::max()) return Error(t.text + " is greater than 1.7976931348623157E308");
        if (node.d < std::numeric_limits<double>::denorm_min()) return Error(t.text + " is less than 4.9E-324");
        node.ctype = VType::kDouble;
        break;
      }
      default:
        return Unexpected();
    }
    ++pos_;
    return Add(std::move(node), out);
  }

  std::string_view sql_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int nesting_ = 0;
  const Token* lex_error_ = nullptr;
  SqlExpression* e_;
};

Result<std::shared_ptr<const SqlExpression>> SqlExpression::Compile(std::string_view sql) {
  if (sql.size() > kMaxSelectorLength) {
    return Status::InvalidArgument("org.apache.rocketmq.filter.parser.ParseException: selector longer than " +
                                   std::to_string(kMaxSelectorLength) + " bytes (rmqd limit)");
  }
  std::vector<Token> toks;
  (void)Tokenize(sql, &toks);  // a lexical error is a kError token the parser may reach
  std::shared_ptr<SqlExpression> e(new SqlExpression());
  Parser p(sql, std::move(toks), e.get());
  Status s = p.Run();
  if (!s.ok()) return s;
  return std::shared_ptr<const SqlExpression>(std::move(e));
}

// ---------------------------------------------------------------------------------------------
// Evaluation

namespace {

struct Evaluator {
  const std::vector<Node>& nodes;
  const PropertyLookup& lookup;

  // False when the evaluation fails (Java throws; the message does not match).
  bool Eval(int idx, Value* out) const {
    const Node& n = nodes[static_cast<size_t>(idx)];
    *out = Value();
    switch (n.op) {
      case Op::kConst:
        out->t = n.ctype;
        out->b = n.b;
        out->i = n.i;
        out->d = n.d;
        out->s = n.str;
        return true;
      case Op::kProperty: {
        std::string_view v;
        if (lookup && lookup(n.str, &v)) {
          out->t = VType::kString;
          out->s = v;
        }
        return true;
      }
      case Op::kAnd:
      case Op::kOr: {
        const bool decisive = n.op == Op::kOr;  // OR stops at TRUE, AND at FALSE
        bool saw_null = false;
        for (int k : n.kids) {
          Value v;
          if (!Eval(k, &v)) return false;
          if (v.t == VType::kNull) {
            saw_null = true;
            continue;
          }
          if (v.t != VType::kBool) return false;
          if (v.b == decisive) {
            *out = Value::Bool(decisive);
            return true;
          }
        }
        if (!saw_null) *out = Value::Bool(!decisive);
        return true;
      }
      case Op::kNot: {
        Value v;
        if (!Eval(n.kids[0], &v)) return false;
        if (v.t == VType::kNull) return true;
        if (v.t != VType::kBool) return false;
        *out = Value::Bool(!v.b);
        return true;
      }
      case Op::kBoolCast: {
        Value v;
        if (!Eval(n.kids[0], &v)) return false;
        if (v.t == VType::kNull) return true;
        *out = Value::Bool(v.t == VType::kBool && v.b);
        return true;
      }
      case Op::kEqual: {
        Value l, r;
        if (!Eval(n.kids[0], &l) || !Eval(n.kids[1], &r)) return false;
        const bool ln = l.t == VType::kNull, rn = r.t == VType::kNull;
        if (ln != rn) {
          if (!ln) *out = Value::Bool(false);
          return true;
        }
        if (ln) {
          *out = Value::Bool(true);
          return true;
        }
        int c;
        if (!Compare(l, r, &c)) return false;
        *out = Value::Bool(c == 0);
        return true;
      }
      case Op::kGt:
      case Op::kGe:
      case Op::kLt:
      case Op::kLe: {
        Value l, r;
        if (!Eval(n.kids[0], &l)) return false;
        if (l.t == VType::kNull) return true;
        if (!Eval(n.kids[1], &r)) return false;
        if (r.t == VType::kNull) return true;
        if (l.t == VType::kString && r.t == VType::kString) {
          // Two strings are compared as numbers, or not at all.
          double a, b;
          if (!ParseJavaDouble(l.s, &a) || !ParseJavaDouble(r.s, &b)) return false;
          l = Value();
          l.t = VType::kDouble;
          l.d = a;
          r = l;
          r.d = b;
        }
        int c;
        if (!Compare(l, r, &c)) return false;
        bool res = n.op == Op::kGt ? c > 0 : n.op == Op::kGe ? c >= 0 : n.op == Op::kLt ? c < 0 : c <= 0;
        *out = Value::Bool(res);
        return true;
      }
      case Op::kNegate: {
        Value v;
        if (!Eval(n.kids[0], &v)) return false;
        if (v.t == VType::kInt) {
          out->t = VType::kInt;
          out->i = static_cast<int32_t>(0u - static_cast<uint32_t>(v.i));
        } else if (v.t == VType::kLong) {
          out->t = VType::kLong;
          out->i = static_cast<int64_t>(0ull - static_cast<uint64_t>(v.i));
        } else if (v.t == VType::kDouble) {
          out->t = VType::kDouble;
          out->d = -v.d;
        }
        return true;
      }
      case Op::kIn: {
        Value v;
        if (!Eval(n.kids[0], &v)) return false;
        if (v.t != VType::kString) return true;
        bool found = false;
        for (const auto& item : n.list) {
          if (item == v.s) {
            found = true;
            break;
          }
        }
        *out = Value::Bool(found != n.negated);
        return true;
      }
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith: {
        Value v;
        if (!Eval(n.kids[0], &v)) return false;
        if (v.t == VType::kNull) return true;
        bool hit = false;
        if (v.t == VType::kString) {
          std::string_view s = v.s, p = n.str;
          hit = n.op == Op::kContains     ? s.find(p) != std::string_view::npos
                : n.op == Op::kStartsWith ? s.substr(0, p.size()) == p
                                          : s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
          hit = hit != n.negated;
        }
        *out = Value::Bool(hit);
        return true;
      }
    }
    return false;
  }
};

}  // namespace

bool SqlExpression::Matches(const PropertyLookup& lookup) const {
  if (root_ < 0) return false;
  Evaluator ev{nodes_, lookup};
  Value v;
  return ev.Eval(root_, &v) && v.t == VType::kBool && v.b;
}

bool SqlExpression::MatchesProperties(std::string_view props) const {
  // Java decodes into a HashMap: a later duplicate name wins.
  PropertyLookup lookup = [props](std::string_view name, std::string_view* value) {
    return FindLastProperty(props, name, value);
  };
  return Matches(lookup);
}

Result<std::shared_ptr<const SqlExpression>> CompileCached(const std::string& sql) {
  struct Entry {
    std::shared_ptr<const SqlExpression> expr;
    Status status;
  };
  static constexpr size_t kMaxEntries = 4096;
  static std::mutex mu;
  static std::unordered_map<std::string, Entry> cache;
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(sql);
    if (it != cache.end()) {
      if (it->second.expr) return it->second.expr;
      return it->second.status;
    }
  }
  auto r = SqlExpression::Compile(sql);
  std::lock_guard<std::mutex> lock(mu);
  if (cache.size() >= kMaxEntries) cache.clear();
  if (r.ok()) {
    cache[sql] = Entry{r.value(), Status::OK()};
  } else {
    cache[sql] = Entry{nullptr, r.status()};
  }
  return r;
}

}  // namespace rmq::filter
