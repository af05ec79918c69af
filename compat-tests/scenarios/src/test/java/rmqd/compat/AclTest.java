package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.RPCHook;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * ACL 1.0 with the official client and AclClientRPCHook, against a broker started with aclEnable=true
 * and the plain_acl.yml that run.sh writes (phase "acl"):
 *   rmqAdmin01/adminSecret1   admin
 *   rmqUser001/userSecret1    PUB|SUB by default; acl_deny_topic=DENY, acl_sub_topic=SUB, acl_pub_topic=PUB
 *   rmqWhite01/whiteSecret1   whiteRemoteAddress 127.0.0.1 (no signature check from loopback)
 * The Java 4.9.7 broker answers a refused request with SYSTEM_ERROR (1) and the remark
 * "org.apache.rocketmq.acl.common.AclException: <message>, <stack frame>"; the tests assert the
 * message and print the whole remark.
 */
@Tag(Compat.TAG_ACL)
class AclTest {
  static final String ADMIN_AK = "rmqAdmin01", ADMIN_SK = "adminSecret1";
  static final String USER_AK = "rmqUser001", USER_SK = "userSecret1";
  static final String WHITE_AK = "rmqWhite01";
  static final String OK_TOPIC = "acl_ok_topic", DENY_TOPIC = "acl_deny_topic";
  static final String SUB_TOPIC = "acl_sub_topic", PUB_TOPIC = "acl_pub_topic";
  static final String EXCEPTION = "org.apache.rocketmq.acl.common.AclException: ";

  static RPCHook hook(String ak, String sk) {
    return new AclClientRPCHook(new SessionCredentials(ak, sk));
  }

  static DefaultMQProducer producer(RPCHook hook) throws Exception {
    Compat.banner();
    String group = Compat.unique("acl_pg");
    DefaultMQProducer p = hook == null ? new DefaultMQProducer(group) : new DefaultMQProducer(group, hook);
    p.setNamesrvAddr(Compat.namesrv());
    p.setInstanceName(group);
    p.setSendMsgTimeout(10_000);
    p.setRetryTimesWhenSendFailed(0);
    p.start();
    return p;
  }

  @BeforeAll
  static void createTopics() throws Exception {
    DefaultMQProducer admin = producer(hook(ADMIN_AK, ADMIN_SK));
    try {
      for (String t : new String[] {OK_TOPIC, DENY_TOPIC, SUB_TOPIC, PUB_TOPIC}) Compat.createTopic(admin, t, 2);
    } finally {
      admin.shutdown();
    }
  }

  static Message msg(String topic) {
    return new Message(topic, "TagA", ("acl " + Compat.clientTag()).getBytes(StandardCharsets.UTF_8));
  }

  /** The remark of the broker's refusal somewhere in the exception's cause chain. */
  static String remarkOf(Throwable t) {
    List<String> seen = new ArrayList<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      seen.add(c.getClass().getSimpleName() + ": " + m);
      int at = m.indexOf(EXCEPTION);
      if (at >= 0) {
        String r = m.substring(at);
        int faq = r.indexOf("\nFor more information");
        return (faq >= 0 ? r.substring(0, faq) : r).trim();
      }
    }
    fail("no AclException remark in " + seen);
    return null;
  }

  static void assertRefused(String what, String message, Throwable t) {
    String remark = remarkOf(t);
    System.out.println("compat: acl " + what + " (" + Compat.clientTag() + ") -> " + remark);
    assertTrue(remark.startsWith(EXCEPTION + message + ", org.apache.rocketmq.acl."), remark);
  }

  static void assertSendRefused(String what, RPCHook hook, String topic, String message) throws Exception {
    DefaultMQProducer p = producer(hook);
    try {
      SendResult r = p.send(msg(topic));
      fail(what + ": send succeeded: " + r);
    } catch (Exception e) {
      assertRefused(what, message, e);
    } finally {
      p.shutdown();
    }
  }

  static void assertSendOk(RPCHook hook, String topic) throws Exception {
    DefaultMQProducer p = producer(hook);
    try {
      assertEquals(SendStatus.SEND_OK, p.send(msg(topic)).getSendStatus());
    } finally {
      p.shutdown();
    }
  }

  @Test
  void rightKeysSendAndConsume() throws Exception {
    DefaultMQProducer p = producer(hook(USER_AK, USER_SK));
    String body = Compat.unique("aclbody");
    try {
      Message m = new Message(OK_TOPIC, "TagA", body.getBytes(StandardCharsets.UTF_8));
      assertEquals(SendStatus.SEND_OK, p.send(m).getSendStatus());
    } finally {
      p.shutdown();
    }
    String group = Compat.unique("acl_cg");
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, hook(USER_AK, USER_SK),
        new org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely());
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(group);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
    c.subscribe(OK_TOPIC, "*");
    c.registerMessageListener((org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently) (msgs, ctx) -> {
      msgs.forEach(x -> got.add(new String(x.getBody(), StandardCharsets.UTF_8)));
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
    c.start();
    try {
      Compat.waitFor("the signed consumer receives its message", 60_000, () -> got.contains(body));
    } finally {
      c.shutdown();
    }
  }

  @Test
  void wrongSecretIsRefused() throws Exception {
    assertSendRefused("wrong secret", hook(USER_AK, "notTheSecret"), OK_TOPIC,
        "Check signature failed for accessKey=" + USER_AK);
  }

  @Test
  void unknownKeyIsRefused() throws Exception {
    assertSendRefused("unknown key", hook("nobodyKey1", "12345678"), OK_TOPIC, "No acl config for nobodyKey1");
  }

  @Test
  void noSignatureIsRefused() throws Exception {
    assertSendRefused("no signature", null, OK_TOPIC, "No accessKey is configured");
  }

  @Test
  void deniedTopicIsRefused() throws Exception {
    assertSendRefused("topic DENY", hook(USER_AK, USER_SK), DENY_TOPIC,
        "No default permission for topic:" + DENY_TOPIC);
  }

  @Test
  void subOnlyTopicCannotBeSentTo() throws Exception {
    assertSendRefused("SUB-only send", hook(USER_AK, USER_SK), SUB_TOPIC,
        "No default permission for topic:" + SUB_TOPIC);
  }

  @Test
  @SuppressWarnings("deprecation")
  void pubOnlyTopicCannotBePulled() throws Exception {
    String group = Compat.unique("acl_pull");
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(group, hook(USER_AK, USER_SK));
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(group);
    c.start();
    try {
      MessageQueue mq = new MessageQueue(SUB_TOPIC, System.getProperty("rmq.brokerName", "broker-a"), 0);
      PullResult ok = c.pull(mq, "*", 0, 8);
      assertTrue(ok.getPullStatus() != null, "SUB topic pull answered");
      try {
        PullResult r = c.pull(new MessageQueue(PUB_TOPIC, mq.getBrokerName(), 0), "*", 0, 8);
        fail("pull of a PUB-only topic succeeded: " + r);
      } catch (Exception e) {
        assertRefused("PUB-only pull", "No default permission for topic:" + PUB_TOPIC, e);
      }
    } finally {
      c.shutdown();
    }
  }

  @Test
  void nonAdminCannotCreateTopics() throws Exception {
    DefaultMQProducer p = producer(hook(USER_AK, USER_SK));
    try {
      Compat.createTopic(p, Compat.unique("acl_new"), 1);
      fail("a non-admin account created a topic");
    } catch (Exception e) {
      assertRefused("non-admin create topic", "Need admin permission for request code=17, but accessKey=" + USER_AK
          + " is not", e);
    } finally {
      p.shutdown();
    }
  }

  @Test
  void whiteListedAccountNeedsNoValidSignature() throws Exception {
    assertSendOk(hook(WHITE_AK, "anyWrongSecret"), DENY_TOPIC);
  }

  @Test
  void adminCanCreateTopics() throws Exception {
    DefaultMQProducer p = producer(hook(ADMIN_AK, ADMIN_SK));
    try {
      Compat.createTopic(p, Compat.unique("acl_admin"), 1);
    } finally {
      p.shutdown();
    }
  }
}
