// SQL92 selector tokenizer: longest match, keywords win over identifiers of the same length,
// as in JavaCC.
#include "filter/sql_lexer.h"

#include <cctype>

namespace rmq::filter {

namespace {

bool IsIdStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }
bool IsIdPart(char c) { return IsIdStart(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

Tok KeywordOrId(std::string_view word) {
  static constexpr struct { const char* text; Tok tok; } kKeywords[] = {
      {"NOT", Tok::kNot},       {"AND", Tok::kAnd},   {"OR", Tok::kOr},
      {"BETWEEN", Tok::kBetween}, {"IN", Tok::kIn},   {"TRUE", Tok::kTrue},
      {"FALSE", Tok::kFalse},   {"NULL", Tok::kNull}, {"IS", Tok::kIs},
      {"CONTAINS", Tok::kContains}, {"STARTSWITH", Tok::kStartsWith}, {"ENDSWITH", Tok::kEndsWith},
  };
  for (const auto& k : kKeywords) {
    if (EqualsIgnoreCase(word, k.text)) return k.tok;
  }
  return Tok::kId;
}

// Length of an exponent ("E" [+-]? digits) at s[i], or 0.
size_t ExponentLength(std::string_view s, size_t i) {
  if (i >= s.size() || (s[i] != 'e' && s[i] != 'E')) return 0;
  size_t j = i + 1;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
  size_t digits = j;
  while (j < s.size() && IsDigit(s[j])) ++j;
  return j > digits ? j - i : 0;
}

// JavaCC's escaping of a token image in error messages.
std::string Escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c > 0x7e) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}


}  // namespace

const char* TokName(Tok t) {
  switch (t) {
    case Tok::kEnd: return "<EOF>";
    case Tok::kError: return "<ERROR>";
    case Tok::kNot: return "NOT";
    case Tok::kAnd: return "AND";
    case Tok::kOr: return "OR";
    case Tok::kBetween: return "BETWEEN";
    case Tok::kIn: return "IN";
    case Tok::kTrue: return "TRUE";
    case Tok::kFalse: return "FALSE";
    case Tok::kNull: return "NULL";
    case Tok::kIs: return "IS";
    case Tok::kContains: return "CONTAINS";
    case Tok::kStartsWith: return "STARTSWITH";
    case Tok::kEndsWith: return "ENDSWITH";
    case Tok::kDecimal: return "<DECIMAL_LITERAL>";
    case Tok::kFloat: return "<FLOATING_POINT_LITERAL>";
    case Tok::kString: return "<STRING_LITERAL>";
    case Tok::kId: return "<ID>";
    case Tok::kEq: return "=";
    case Tok::kNe: return "<>";
    case Tok::kGt: return ">";
    case Tok::kGe: return ">=";
    case Tok::kLt: return "<";
    case Tok::kLe: return "<=";
    case Tok::kLParen: return "(";
    case Tok::kRParen: return ")";
    case Tok::kComma: return ",";
    case Tok::kPlus: return "+";
    case Tok::kMinus: return "-";
  }
  return "?";
}

std::string JavaPosition(std::string_view sql, size_t offset) {
  size_t line = 1, col = 0;
  for (size_t i = 0; i < offset && i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= sql.size() || sql[i + 1] != '\n'))) {
      ++line;
      col = 0;
    } else if (c == '\t') {
      col += 8 - (col % 8);
    } else if (c != '\r') {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col + 1);
}

Status Tokenize(std::string_view s, std::vector<Token>* out) {
  out->clear();
  // Java's TokenMgrError text: where, what was found, and the partial token before it.
  auto lex_error = [&](size_t at, bool eof, std::string_view after) {
    std::string found;
    if (eof) {
      found = "<EOF>";
    } else {
      unsigned char c = static_cast<unsigned char>(s[at]);
      found = "\"" + Escape(s.substr(at, 1)) + "\" (" + std::to_string(c) + "),";
    }
    Token t;
    t.kind = Tok::kError;
    t.offset = at;
    t.text = "org.apache.rocketmq.filter.parser.TokenMgrError: Lexical error at " +
             JavaPosition(s, at) + ".  Encountered: " + found + " after : \"" +
             Escape(after) + "\"";
    out->push_back(t);
    return Status::InvalidArgument(t.text);
  };
  size_t i = 0;
  // The first line break at or after the last position searched from (npos: none to the end).
  // Kept across "--" pairs so that a run of '-' without a line break is scanned once, not once
  // per pair (a 64 KiB selector of '-' took 9 s of the loop thread before).
  size_t next_eol = 0;
  bool eol_known = false;
  while (i < s.size()) {
    const char c = s[i];
    if (IsSpace(c)) {
      ++i;
      continue;
    }
    if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      if (!eol_known || (next_eol != std::string_view::npos && next_eol < i + 2)) {
        next_eol = s.find_first_of("\r\n", i + 2);
        eol_known = true;
      }
      if (next_eol != std::string_view::npos) {  // a line comment needs its line break
        i = next_eol + 1;
        continue;
      }
    }
    if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      if (end == std::string_view::npos) return lex_error(s.size(), true, s.substr(i));
      i = end + 2;
      continue;
    }
    Token t;
    t.offset = i;
    if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      size_t j = i;
      while (j < s.size() && IsDigit(s[j])) ++j;
      const size_t int_end = j;
      bool is_float = false;
      if (j < s.size() && s[j] == '.') {
        is_float = true;
        ++j;
        while (j < s.size() && IsDigit(s[j])) ++j;
        j += ExponentLength(s, j);
      } else if (size_t e = ExponentLength(s, j); e > 0) {
        is_float = true;
        j += e;
      }
      if (is_float) {
        t.kind = Tok::kFloat;
      } else {
        t.kind = Tok::kDecimal;
        if (s[i] == '0') {
          j = i + 1;  // "0" alone; "0123" is two literals, and "0L" is 0 then the name L
        } else if (int_end < s.size() && (s[int_end] == 'l' || s[int_end] == 'L')) {
          j = int_end + 1;
        }
      }
      t.text = std::string(s.substr(i, j - i));
      i = j;
    } else if (IsIdStart(c)) {
      size_t j = i + 1;
      while (j < s.size() && IsIdPart(s[j])) ++j;
      t.text = std::string(s.substr(i, j - i));
      t.kind = KeywordOrId(t.text);
      i = j;
    } else if (c == '\'') {
      size_t j = i + 1;
      std::string value;
      for (;;) {
        if (j >= s.size()) return lex_error(s.size(), true, s.substr(i));
        if (s[j] == '\'') {
          if (j + 1 < s.size() && s[j + 1] == '\'') {
            value.push_back('\'');
            j += 2;
            continue;
          }
          ++j;
          break;
        }
        value.push_back(s[j++]);
      }
      t.kind = Tok::kString;
      t.text = std::move(value);
      i = j;
    } else {
      const char n = i + 1 < s.size() ? s[i + 1] : '\0';
      size_t len = 1;
      switch (c) {
        case '=': t.kind = Tok::kEq; break;
        case '<':
          if (n == '>') { t.kind = Tok::kNe; len = 2; }
          else if (n == '=') { t.kind = Tok::kLe; len = 2; }
          else { t.kind = Tok::kLt; }
          break;
        case '>':
          if (n == '=') { t.kind = Tok::kGe; len = 2; }
          else { t.kind = Tok::kGt; }
          break;
        case '(': t.kind = Tok::kLParen; break;
        case ')': t.kind = Tok::kRParen; break;
        case ',': t.kind = Tok::kComma; break;
        case '+': t.kind = Tok::kPlus; break;
        case '-': t.kind = Tok::kMinus; break;
        default:
          return lex_error(i, false, "");
      }
      t.text = std::string(s.substr(i, len));
      i += len;
    }
    t.length = i - t.offset;
    out->push_back(std::move(t));
  }
  Token end;
  end.offset = s.size();
  out->push_back(std::move(end));
  return Status::OK();
}

}  // namespace rmq::filter
