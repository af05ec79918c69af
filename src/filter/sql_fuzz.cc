// libFuzzer target: compile arbitrary selectors and evaluate the ones that compile against a
// fixed property map; nothing may crash, hang or leak (tools/run_fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "filter/sql_expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  auto r = rmq::filter::SqlExpression::Compile(sql);
  if (!r.ok()) return 0;
  static const std::string kProps = std::string("a\x01" "7\x02" "b\x01" "x\x02" "c\x01" "2.5\x02") +
                                    "d\x01" "-2147483648\x02" "e\x01" "true\x02" "f\x01" "9223372036854775807\x02" +
                                    "g\x01" " NaN \x02" "TAGS\x01" "TagA\x02";
  (void)r.value()->MatchesProperties(kProps);
  (void)r.value()->MatchesProperties("");
  return 0;
}
