#include "server/broker/pull_message_service.h"

#include <doctest/doctest.h>

#include "common/coding.h"
#include "common/temp_dir.h"
#include "protocol/response_code.h"
#include "store/store_test_util.h"

using namespace rmq;
using namespace rmq::server;
using protocol::PullMessageRequestHeader;
using protocol::RemotingCommand;
using protocol::ResponseCode;

namespace {

// A broker's read side without the controller: store, metadata, and the service under test.
struct PullFixture {
  TempDir dir;
  BrokerConfig config;
  RemotingServer server;
  store::MessageStore store{store::testing::SmallConfig(dir.Path("store"))};
  TopicConfigManager topics{config, dir.Path("topics.json")};
  ConsumerOffsetManager offsets{dir.Path("consumerOffset.json")};
  SubscriptionGroupManager groups{dir.Path("subscriptionGroup.json"), true};
  ClientManager clients;
  int64_t got = 0;
  PullMessageService pulls{server, config, store, topics, groups, clients, offsets, &got};

  PullFixture() {
    REQUIRE(store.Open().ok());
    TopicConfig tc;
    tc.topic_name = "T";
    tc.read_queue_nums = 2;
    tc.write_queue_nums = 2;
    tc.perm = kPermRead | kPermWrite;
    topics.Update(tc);
  }
  ~PullFixture() { store.Shutdown(); }

  static PullMessageRequestHeader Header(const std::string& topic, int32_t queue, int32_t flags) {
    PullMessageRequestHeader h;
    h.consumer_group = "g";
    h.topic = topic;
    h.queue_id = queue;
    h.sys_flag = flags | protocol::kPullFlagSubscription;
    h.subscription = "*";
    h.suspend_timeout_millis = 15000;
    return h;
  }
  void Put(const std::string& topic, int32_t queue) {
    store::testing::OwnedMessage m = store::testing::MakeMessage(topic, "body");
    REQUIRE(store.PutMessage(m.View(queue, 0)).status == store::PutMessageStatus::kPutOk);
  }
};

}  // namespace

TEST_CASE("PullMessageService: an unknown topic and an illegal queue are refused with Java's codes") {
  PullFixture f;
  RemotingCommand resp;
  CHECK_FALSE(f.pulls.ProcessPull(PullFixture::Header("Nope", 0, 0), ReplyTarget{}, true, &resp));
  CHECK(resp.code == static_cast<int32_t>(ResponseCode::kTopicNotExist));
  REQUIRE(resp.remark);
  CHECK(resp.remark->rfind("topic[Nope] not exist, apply first please!", 0) == 0);
  CHECK_FALSE(f.pulls.ProcessPull(PullFixture::Header("T", 2, 0), ReplyTarget{}, true, &resp));
  CHECK(resp.code == static_cast<int32_t>(ResponseCode::kSystemError));
  REQUIRE(resp.remark);
  CHECK(resp.remark->rfind("queueId[2] is illegal, topic:[T] topicConfig.readQueueNums:[2]", 0) == 0);
}

TEST_CASE("PullMessageService: a pull without the subscription flag needs the consumer's heartbeat") {
  PullFixture f;
  PullMessageRequestHeader h = PullFixture::Header("T", 0, 0);
  h.sys_flag = 0;
  RemotingCommand resp;
  CHECK_FALSE(f.pulls.ProcessPull(h, ReplyTarget{}, true, &resp));
  CHECK(resp.code == static_cast<int32_t>(ResponseCode::kSubscriptionNotExist));
}

TEST_CASE("PullMessageService: FOUND counts the messages; an empty queue with SUSPEND is held until one arrives") {
  PullFixture f;
  f.Put("T", 0);
  RemotingCommand resp;
  CHECK_FALSE(f.pulls.ProcessPull(PullFixture::Header("T", 0, 0), ReplyTarget{}, true, &resp));
  CHECK(resp.code == static_cast<int32_t>(ResponseCode::kSuccess));
  CHECK(resp.extra_body.size() == 1);
  CHECK(f.got == 1);

  PullMessageRequestHeader h = PullFixture::Header("T", 1, protocol::kPullFlagSuspend);
  CHECK(f.pulls.ProcessPull(h, ReplyTarget{}, true, &resp));  // parked
  CHECK(f.pulls.held() == 1);
  f.pulls.OnMessagesStored("T", 0);  // another queue: still held
  CHECK(f.pulls.held() == 1);
  f.Put("T", 1);
  f.pulls.OnMessagesStored("T", 1);
  CHECK(f.pulls.held() == 0);  // woken and answered (re-run without suspending)
  CHECK(f.got == 2);
  // Without SUSPEND, nothing new is answered at once: PULL_NOT_FOUND.
  h = PullFixture::Header("T", 1, 0);
  h.queue_offset = 1;
  CHECK_FALSE(f.pulls.ProcessPull(h, ReplyTarget{}, true, &resp));
  CHECK(resp.code == static_cast<int32_t>(ResponseCode::kPullNotFound));
  CHECK(f.pulls.held() == 0);
}
