// Tokens of the SQL92 selector grammar (Java's SelectorParser.jj token section).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rmq::filter {

enum class Tok {
  kEnd,
  kError,  // a lexical error; text is the message (Java's TokenMgrError)
  // Keywords (case-insensitive).
  kNot, kAnd, kOr, kBetween, kIn, kTrue, kFalse, kNull, kIs, kContains, kStartsWith, kEndsWith,
  // Literals and names.
  kDecimal, kFloat, kString, kId,
  // Punctuation.
  kEq, kNe, kGt, kGe, kLt, kLe, kLParen, kRParen, kComma, kPlus, kMinus,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;   // image; for kString the decoded value ('' -> ')
  size_t offset = 0;  // byte offset in the selector
  size_t length = 0;  // bytes of the image in the selector
};

// Splits `sql` into tokens (ending with kEnd). Whitespace is space, tab, CR, LF, FF; `-- ...`
// runs to the end of the line (and, as in Java, only counts as a comment when a line break
// follows), `/* ... */` is skipped. An unknown character or an unterminated string or block
// comment ends the list with a kError token (and is returned as the error): Java's lexer is
// lazy, so the parser fails only if it reaches that token.
Status Tokenize(std::string_view sql, std::vector<Token>* out);

// "line L, column C" of a byte offset, counted as JavaCC does (tabs to multiples of 8).
std::string JavaPosition(std::string_view sql, size_t offset);

const char* TokName(Tok t);

}  // namespace rmq::filter
