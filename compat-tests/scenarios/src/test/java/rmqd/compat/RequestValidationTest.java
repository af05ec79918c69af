package rmqd.compat;

import java.nio.charset.StandardCharsets;

import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static rmqd.compat.ConsumerAdminTest.admin;
import static rmqd.compat.ConsumerAdminTest.call;

/**
 * Requests a stock client can make that the Java 4.9.7 broker accepts although they are defects
 * (issue #11 item 7; docs/compatibility.md, docs/reliability/validation.md): a producer sending
 * into TBW102, the template topic auto-creation copies, and a topic created with perm 255 through
 * the 4.9.8 admin API (which, unlike 5.x's, does not check the perm). Against the oracle
 * (rmq.target=java) the tests assert what Java does; against rmqd, the refusal rmqd gives instead,
 * with codes and remarks the Java client already knows.
 */
class RequestValidationTest {
  static DefaultMQProducer producer;

  static boolean java() {
    return System.getProperty("rmq.target", "rmqd").startsWith("java");
  }

  @BeforeAll
  static void setUp() throws Exception {
    producer = Compat.producer(Compat.unique("rvalp"));
  }

  @AfterAll
  static void tearDown() {
    if (producer != null) producer.shutdown();
  }

  static org.apache.rocketmq.client.impl.MQClientAPIImpl api() {
    return producer.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl();
  }

  /** Walks the cause chain for the broker's answer. */
  static MQBrokerException brokerCause(Throwable t) {
    for (; t != null; t = t.getCause()) {
      if (t instanceof MQBrokerException) return (MQBrokerException) t;
    }
    return null;
  }

  @Test
  void sendToTbw102() throws Exception {
    Message m = new Message("TBW102", "rval", "into the template topic".getBytes(StandardCharsets.UTF_8));
    if (java()) {
      // Java 4.9.7: stored in TBW102 like any message.
      SendResult r = producer.send(m);
      assertEquals(SendStatus.SEND_OK, r.getSendStatus(), r.toString());
      return;
    }
    // rmqd: NO_PERMISSION, which the producer retries (3 attempts) and then reports with that code.
    MQClientException e = assertThrows(MQClientException.class, () -> producer.send(m));
    assertEquals(16, e.getResponseCode(), e.toString());
    MQBrokerException b = brokerCause(e);
    assertNotNull(b, "no broker answer in " + e);
    assertEquals(16, b.getResponseCode());
    assertEquals("Sending message to topic[TBW102] is forbidden.", b.getErrorMessage());
  }

  @Test
  @Tag(Compat.TAG_ADMIN)  // DefaultMQAdminExt: rocketmq-tools 4.9.8
  void createTopicWithPerm255() throws Exception {
    Object admin = admin();
    try {
      String topic = Compat.unique("rvalperm");
      // The route classes live in different packages in 4.9 and 5.x; chained calls compile for both.
      String addr = api().getTopicRouteInfoFromNameServer("TBW102", 10_000).getBrokerDatas().get(0).selectBrokerAddr();
      TopicConfig tc = new TopicConfig(topic, 4, 4, 255);
      if (java()) {
        // Java 4.9.7: created and registered with perm 255 (PRIORITY and undefined bits included).
        call(admin, "createAndUpdateTopicConfig", addr, tc);
        Compat.waitFor("route of " + topic + " with perm 255", 10_000, () -> {
          try {
            return api().getTopicRouteInfoFromNameServer(topic, 3000).getQueueDatas().get(0).getPerm() == 255;
          } catch (Exception e) {
            return false;
          }
        });
        return;
      }
      // The 4.9.8 client reports a refused UPDATE_AND_CREATE_TOPIC as MQClientException(code, remark).
      MQClientException e = assertThrows(MQClientException.class,
          () -> call(admin, "createAndUpdateTopicConfig", addr, tc));
      assertEquals(16, e.getResponseCode(), e.toString());
      assertEquals("topicPermission value: 255 is invalid.", e.getErrorMessage());
      // Nothing was created: the NameServer has no route for it.
      MQClientException none = assertThrows(MQClientException.class, 
          () -> api().getTopicRouteInfoFromNameServer(topic, 3000));
      assertEquals(17, none.getResponseCode(), none.toString());
    } finally {
      call(admin, "shutdown");
    }
  }
}
