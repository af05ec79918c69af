package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.exception.RequestTimeoutException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.client.utils.MessageUtil;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Request-reply: DefaultMQProducer.request() sends with CORRELATION_ID/REPLY_TO_CLIENT, a consumer
 * answers with MessageUtil.createReplyMessage to <cluster>_REPLY_TOPIC via SEND_REPLY_MESSAGE_V2
 * (325), and the broker pushes the reply to the requester with PUSH_REPLY_MESSAGE_TO_CLIENT (326).
 *
 * The synchronous request() is tested with the 4.9.8 client only: 5.3.1's fails against every broker
 * (Java 4.9.7 and 5.3.1 included), because its send callback releases the reply latch on the send
 * acknowledgement (apache/rocketmq#9319). With 5.3.1 the asynchronous request(msg, callback, timeout)
 * is used instead; that client calls onSuccess(null) on the send acknowledgement and onSuccess(reply)
 * when the broker pushes the reply (seen the same way against the Java 5.3.1 broker and rmqd).
 */
class RequestReplyTest {
  static void only49() {
    assumeTrue(Compat.clientVersion().startsWith("4"), "request-reply: 4.9.8 client only (see class comment)");
  }

  /** A consumer of `topic` that answers each request "q<i>" with "reply-to-q<i>" through `replier`. */
  static DefaultMQPushConsumer replyingConsumer(String topic, DefaultMQProducer replier, AtomicInteger replied)
      throws Exception {
    return Compat.pushConsumer(Compat.unique("rrcg"), topic, (msgs, ctx) -> {
      for (MessageExt m : msgs) {
        try {
          Message reply = MessageUtil.createReplyMessage(m,
              ("reply-to-" + new String(m.getBody(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
          SendResult r = replier.send(reply, 10_000);
          assertEquals(SendStatus.SEND_OK, r.getSendStatus());
          replied.incrementAndGet();
        } catch (Exception e) {
          e.printStackTrace();
          return ConsumeConcurrentlyStatus.RECONSUME_LATER;
        }
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });
  }

  /** What the requester receives for request "q<i>" sent at `t0`. */
  static void assertIsTheReply(Message reply, int i, long t0) {
    assertEquals("reply-to-q" + i, new String(reply.getBody(), StandardCharsets.UTF_8));
    assertEquals("DefaultCluster_REPLY_TOPIC", reply.getTopic(), "reply topic");
    assertEquals("reply", reply.getProperty("MSG_TYPE"));
    assertNotNull(reply.getProperty("CORRELATION_ID"));
    assertNotNull(reply.getProperty("PUSH_REPLY_TIME"), "the broker stamps the push time");
    // bornHost/storeHost travel as "ip:port" (Java's ReplyMessageProcessor); the client turns them
    // into InetSocketAddresses, which a "/ip:port" string would leave unresolved.
    assertTrue(reply instanceof MessageExt, "the client hands out a MessageExt");
    MessageExt x = (MessageExt) reply;
    assertTrue(!String.valueOf(x.getBornHost()).contains("unresolved"), "bornHost " + x.getBornHost());
    assertTrue(!String.valueOf(x.getStoreHost()).contains("unresolved"), "storeHost " + x.getStoreHost());
    assertTrue(x.getStoreTimestamp() >= t0 - 1000, "storeTimestamp " + x.getStoreTimestamp());
    assertTrue(x.getBornTimestamp() > 0);
  }

  @Test
  void requestGetsTheReply() throws Exception {
    only49();
    String topic = Compat.unique("rr");
    DefaultMQProducer requester = Compat.producer(Compat.unique("rrpg"));
    DefaultMQProducer replier = Compat.producer(Compat.unique("rrreply"));
    AtomicInteger replied = new AtomicInteger();
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(requester, topic, 2);
      c = replyingConsumer(topic, replier, replied);
      Compat.sleep(1000);
      for (int i = 0; i < 3; i++) {
        Message req = new Message(topic, ("q" + i).getBytes(StandardCharsets.UTF_8));
        long t0 = System.currentTimeMillis();
        Message reply = requester.request(req, 15_000);
        assertNotNull(reply, "reply " + i);
        assertIsTheReply(reply, i, t0);
        assertNotNull(reply.getProperty("ARRIVE_TIME"), "the client stamps the arrival");
        System.out.println("compat: request-reply " + i + " (" + Compat.clientTag() + ") took "
            + (System.currentTimeMillis() - t0) + " ms");
      }
      // The replier counts after its send returns, which may be after the requester got the push.
      Compat.waitFor("3 replies sent", 10_000, () -> replied.get() >= 3);
    } finally {
      if (c != null) c.shutdown();
      requester.shutdown();
      replier.shutdown();
    }
  }

  @Test
  void asyncRequestGetsTheReplyWith5x() throws Exception {
    assumeTrue(Compat.clientVersion().startsWith("5"), "the 4.9.8 client is covered by requestGetsTheReply");
    String topic = Compat.unique("rra");
    DefaultMQProducer requester = Compat.producer(Compat.unique("rrpg"));
    DefaultMQProducer replier = Compat.producer(Compat.unique("rrreply"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(requester, topic, 1);
      c = replyingConsumer(topic, replier, new AtomicInteger());
      Compat.sleep(1000);
      for (int i = 0; i < 3; i++) {
        java.util.concurrent.atomic.AtomicReference<Message> got = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        long t0 = System.currentTimeMillis();
        requester.request(new Message(topic, ("q" + i).getBytes(StandardCharsets.UTF_8)),
            new org.apache.rocketmq.client.producer.RequestCallback() {
              @Override
              public void onSuccess(Message m) {
                if (m != null) got.compareAndSet(null, m);  // null: 5.3.1's call on the send acknowledgement
              }

              @Override
              public void onException(Throwable e) {
                failed.compareAndSet(null, e);
              }
            }, 15_000);
        final int seq = i;
        Compat.waitFor("reply " + seq, 15_000, () -> got.get() != null || failed.get() != null);
        assertTrue(failed.get() == null, "request " + i + " failed: " + failed.get());
        assertIsTheReply(got.get(), i, t0);
        System.out.println("compat: async request-reply " + i + " (" + Compat.clientTag() + ") took "
            + (System.currentTimeMillis() - t0) + " ms");
      }
    } finally {
      if (c != null) c.shutdown();
      requester.shutdown();
      replier.shutdown();
    }
  }

  @Test
  void replyToADisconnectedRequesterIsRefused() throws Exception {
    // A reply whose REPLY_TO_CLIENT has no connection: SYSTEM_ERROR (1) with Java's remark (4.9.7 and
    // 5.3.1 agree); the replier's send fails instead of the reply being dropped silently.
    DefaultMQProducer replier = Compat.producer(Compat.unique("rrreply"));
    try {
      replier.setRetryTimesWhenSendFailed(0);
      Message orphan = new Message("DefaultCluster_REPLY_TOPIC", "orphan".getBytes(StandardCharsets.UTF_8));
      org.apache.rocketmq.common.message.MessageAccessor.putProperty(orphan, "MSG_TYPE", "reply");
      org.apache.rocketmq.common.message.MessageAccessor.putProperty(orphan, "CLUSTER", "DefaultCluster");
      org.apache.rocketmq.common.message.MessageAccessor.putProperty(orphan, "CORRELATION_ID", Compat.unique("corr"));
      org.apache.rocketmq.common.message.MessageAccessor.putProperty(orphan, "REPLY_TO_CLIENT", "127.0.0.1@nobody");
      org.apache.rocketmq.common.message.MessageAccessor.putProperty(orphan, "TTL", "3000");
      org.apache.rocketmq.client.exception.MQBrokerException e = null;
      try {
        replier.send(orphan, 5_000);
      } catch (org.apache.rocketmq.client.exception.MQBrokerException x) {
        e = x;
      } catch (Exception x) {
        if (x.getCause() instanceof org.apache.rocketmq.client.exception.MQBrokerException) {
          e = (org.apache.rocketmq.client.exception.MQBrokerException) x.getCause();
        } else {
          throw x;
        }
      }
      assertNotNull(e, "the orphan reply is refused");
      assertEquals(1, e.getResponseCode(), "SYSTEM_ERROR");
      assertTrue(String.valueOf(e.getErrorMessage()).contains("push reply message fail, channel of <127.0.0.1@nobody> not found."),
          "remark: " + e.getErrorMessage());
    } finally {
      replier.shutdown();
    }
  }

  @Test
  void requestWithoutReplierTimesOut() throws Exception {
    only49();
    String topic = Compat.unique("rr_timeout");
    DefaultMQProducer requester = Compat.producer(Compat.unique("rrpg"));
    try {
      Compat.createTopic(requester, topic, 1);
      Message req = new Message(topic, "nobody".getBytes(StandardCharsets.UTF_8));
      long t0 = System.currentTimeMillis();
      assertThrows(RequestTimeoutException.class, () -> requester.request(req, 2_000));
      long took = System.currentTimeMillis() - t0;
      assertTrue(took >= 1_900 && took < 15_000, "timed out after " + took + " ms");
    } finally {
      requester.shutdown();
    }
  }
}
