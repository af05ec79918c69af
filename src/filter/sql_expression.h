// SQL92 message selectors (Java's SelectorParser + filter/expression classes, rocketmq-wire.md §8):
// compile a selector once, then evaluate it against each message's properties.
//
// Semantics follow Java's broker: property values are strings, converted to a literal's type when
// compared with one (a failed conversion aborts the evaluation: no match); three-valued logic,
// and a message matches only when the result is boolean TRUE. Compile errors that Java raises
// while building the tree (e.g. `a > 'x'`, `a = NULL`, `5`, `a BETWEEN 3 AND 1`) are compile
// errors here too. Beyond Java: selectors longer than kMaxSelectorLength or nested deeper than
// kMaxDepth are refused, so hostile input cannot exhaust the stack.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::filter {

inline constexpr const char* kSql92 = "SQL92";

inline constexpr size_t kMaxSelectorLength = 64 * 1024;
inline constexpr int kMaxDepth = 128;

// Looks a property up; false when absent.
using PropertyLookup = std::function<bool(std::string_view name, std::string_view* value)>;

class SqlExpression {
 public:
  // Compiles `sql`. The error message is Java 4.9's CHECK_CLIENT_CONFIG remark: the parser
  // exception's class and message (e.g. `java.lang.RuntimeException: 'NULL' cannot be compared.`);
  // for a syntax error only the "Encountered ... at line L, column C." part, without JavaCC's
  // list of expected tokens.
  static Result<std::shared_ptr<const SqlExpression>> Compile(std::string_view sql);

  // True only when the selector evaluates to boolean TRUE for these properties.
  bool Matches(const PropertyLookup& lookup) const;
  // Same, with properties in the stored encoding (name\x01value\x02...).
  bool MatchesProperties(std::string_view properties) const;

  struct Node;
  ~SqlExpression();
  SqlExpression(const SqlExpression&) = delete;
  SqlExpression& operator=(const SqlExpression&) = delete;

 private:
  SqlExpression();
  friend class Parser;
  std::vector<Node> nodes_;
  int root_ = -1;
};

// Compiled selectors shared by all subscriptions with the same text (Java's PARSE_CACHE);
// thread-safe, bounded (cleared when full). Failures are cached too.
Result<std::shared_ptr<const SqlExpression>> CompileCached(const std::string& sql);

}  // namespace rmq::filter
