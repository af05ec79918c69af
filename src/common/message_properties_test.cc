#include "common/message_properties.h"

#include <doctest/doctest.h>

#include "common/message_properties_test_util.h"

#include <string>
#include <vector>

namespace rmq {
namespace {

std::string Props(std::initializer_list<std::pair<const char*, const char*>> pairs, bool trailing = true) {
  return TestProperties(pairs, trailing);
}

std::vector<std::string> Names(const std::string& encoded) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= encoded.size() && !encoded.empty()) {
    size_t end = encoded.find(kPropertySeparator, pos);
    if (end == std::string::npos) end = encoded.size();
    std::string item = encoded.substr(pos, end - pos);
    out.push_back(item.substr(0, item.find(kNameValueSeparator)));
    pos = end + 1;
  }
  return out;
}

// Orders printed by java.util.HashMap (OpenJDK 17, same algorithm as the JDK 8 the 4.9.7 broker
// runs on): puts in the given order, then removes, then iterate (src/common/testdata/HashMapOrders.java).
struct JavaOrder {
  const char* label;
  std::vector<std::string> puts;
  std::vector<std::string> removes;
  std::vector<std::string> order;
};

const std::vector<JavaOrder>& CapturedOrders() {
  static const std::vector<JavaOrder> rows = {
      {"send", {"KEYS", "UNIQ_KEY", "WAIT", "TAGS", "color", "CLUSTER"}, {"WAIT"}, {"color", "KEYS", "UNIQ_KEY", "CLUSTER", "TAGS"}},
      {"send_wait", {"KEYS", "UNIQ_KEY", "WAIT", "TAGS", "color", "CLUSTER"}, {}, {"color", "KEYS", "UNIQ_KEY", "CLUSTER", "WAIT", "TAGS"}},
      {"collide", {"BB", "Aa", "C#", "x", "AaAa", "BBBB", "AaBB"}, {}, {"BB", "Aa", "C#", "x", "AaAa", "BBBB", "AaBB"}},
      {"resize", {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25", "k26", "k27", "k28", "k29"}, {"k3", "k17"}, {"k11", "k10", "k13", "k12", "k15", "k14", "k16", "k19", "k18", "k0", "k1", "k2", "k20", "k4", "k5", "k22", "k6", "k21", "k7", "k24", "k8", "k23", "k9", "k26", "k25", "k28", "k27", "k29"}},
      {"treeify_resize", {"p5", "p15", "p26", "p37", "p48", "p59", "p105", "p116", "p127"}, {}, {"p5", "p15", "p26", "p37", "p48", "p59", "p105", "p116", "p127"}},
      {"treeify_mix", {"p5", "p15", "zz", "p26", "p37", "p48", "p59", "p105", "p116", "p127", "a", "K", "b"}, {}, {"zz", "a", "b", "p5", "K", "p15", "p26", "p37", "p48", "p59", "p105", "p116", "p127"}},
      {"utf8", {"été", "中文", "😀", "ascii"}, {}, {"中文", "😀", "été", "ascii"}},
      {"retry", {"CLUSTER", "KEYS", "TAGS", "UNIQ_KEY", "RETRY_TOPIC", "WAIT", "DELAY", "ORIGIN_MESSAGE_ID"}, {}, {"ORIGIN_MESSAGE_ID", "RETRY_TOPIC", "KEYS", "CLUSTER", "UNIQ_KEY", "WAIT", "DELAY", "TAGS"}},
      {"half", {"CLUSTER", "KEYS", "TRAN_MSG", "PGROUP", "UNIQ_KEY", "WAIT", "TAGS", "REAL_TOPIC", "REAL_QID"}, {}, {"REAL_TOPIC", "KEYS", "TRAN_MSG", "CLUSTER", "UNIQ_KEY", "PGROUP", "WAIT", "TAGS", "REAL_QID"}},
  };
  return rows;
}

}  // namespace

TEST_CASE("PropertyMap iterates in java.util.HashMap order (orders captured from Java)") {
  for (const JavaOrder& row : CapturedOrders()) {
    CAPTURE(row.label);
    PropertyMap m;
    for (const std::string& k : row.puts) m.Put(k, "v");
    for (const std::string& k : row.removes) CHECK(m.Remove(k));
    CHECK(Names(m.Encode()) == row.order);
  }
}

TEST_CASE("PropertyMap::Encode has no trailing separator; Parse follows string2messageProperties") {
  // What a 4.9.8 producer sends for a message with keys, tags and one user property.
  std::string sent = Props({{"KEYS", "k1"}, {"UNIQ_KEY", "AB"}, {"WAIT", "true"}, {"TAGS", "tagA"}, {"color", "red"}});
  PropertyMap m = PropertyMap::Parse(sent);
  m.Put(kPropertyCluster, "DefaultCluster");
  CHECK(m.Remove(kPropertyWaitStoreMsgOk));
  CHECK(m.Encode() == Props({{"color", "red"}, {"KEYS", "k1"}, {"UNIQ_KEY", "AB"}, {"CLUSTER", "DefaultCluster"},
                             {"TAGS", "tagA"}}, false));
  CHECK(PropertyMap().Encode().empty());
  // Skipped items: too short, no name, no value, no separator; a repeated name keeps its first
  // place and the last value; a value may hold \x01.
  std::string odd = std::string("a\x01") + kPropertySeparator + "\x01" "bc" + kPropertySeparator + "xyz" +
                    kPropertySeparator + "k\x01one" + kPropertySeparator + "v\x01x\x01y" + kPropertySeparator +
                    "k\x01two";
  PropertyMap p = PropertyMap::Parse(odd);
  CHECK(p.size() == 2);
  std::string_view v;
  CHECK(p.Get("k", &v));
  CHECK(v == "two");
  CHECK(p.Get("v", &v));
  CHECK(v == "x\x01y");
  CHECK_FALSE(p.Contains("a"));
  // Re-serializing a Java-ordered string gives it back unchanged.
  std::string once = ReserializeProperties(sent);
  CHECK(once != sent);
  CHECK(ReserializeProperties(once) == once);
}

TEST_CASE("PropertyMap::Encode(without) is a copy with that name removed, small maps and large") {
  for (int n : {3, 12, 32, 33, 200}) {
    std::string s;
    for (int i = 0; i < n; ++i) AppendProperty(&s, "name" + std::to_string(i * 7919), std::to_string(i));
    AppendProperty(&s, "WAIT", "true");
    PropertyMap m = PropertyMap::Parse(s);
    PropertyMap copy = m;
    REQUIRE(copy.Remove("WAIT"));
    CHECK(m.Encode("WAIT") == copy.Encode());
    CHECK(m.Encode("absent") == m.Encode());
    CHECK(PropertyMap::Parse(m.Encode()).Encode() == m.Encode());
  }
}

TEST_CASE("PropertyMap parses a huge hostile properties string in linear time") {
  // 300,000 distinct pairs (2.7 MB): quadratic bookkeeping would take minutes here.
  std::string s;
  for (int i = 0; i < 300000; ++i) AppendProperty(&s, "k" + std::to_string(i), "v");
  PropertyMap m = PropertyMap::Parse(s);
  CHECK(m.size() == 300000);
  std::string out = m.Encode();
  CHECK(out.size() == s.size() - 1);  // the same pairs, no trailing separator
  CHECK(m.Remove("k7"));
  CHECK_FALSE(m.Contains("k7"));
  std::string_view v;
  CHECK(m.Get("k299999", &v));
}

TEST_CASE("FindProperty returns the first well-formed pair without allocating") {
  std::string s = Props({{"TAGS", "a"}, {"KEYS", "k"}, {"TAGS", "b"}});
  std::string_view v;
  CHECK(FindProperty(s, "TAGS", &v));
  CHECK(v == "a");
  CHECK(v.data() >= s.data());
  CHECK(v.data() < s.data() + s.size());  // a view into the input
  CHECK(FindProperty(s, "KEYS", &v));
  CHECK(v == "k");
  CHECK_FALSE(FindProperty(s, "TAG", &v));
  CHECK_FALSE(FindProperty(std::string("TAGS\x01"), "TAGS", &v));
  CHECK_FALSE(FindProperty("", "TAGS", &v));
  CHECK(PropertiesView(s).Get("TAGS", &v));
  CHECK(FindLastProperty(s, "TAGS", &v));
  CHECK(v == "b");
  CHECK_FALSE(FindLastProperty(s, "X", &v));
}

TEST_CASE("AppendProperty keeps the client encoding") {
  std::string s;
  AppendProperty(&s, "A", "1");
  AppendProperty(&s, "B", "2");
  CHECK(s == Props({{"A", "1"}, {"B", "2"}}));
  std::string t = "A\x01" "1";
  AppendProperty(&t, "B", "2");
  CHECK(t == s);
}

}  // namespace rmq
