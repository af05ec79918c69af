package rmqd.compat;

import java.util.Random;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * maxMessageSize (4 MiB) at the edges. Bodies are random (incompressible) and client-side compression
 * is switched off, so the broker sees exactly the body length under test.
 */
class LargeMessageTest {
  static final int FOUR_MIB = 4 * 1024 * 1024;
  static final int MESSAGE_ILLEGAL = 13;

  static byte[] randomBody(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return b;
  }

  static DefaultMQProducer largeProducer(int clientMax) throws Exception {
    DefaultMQProducer p = new DefaultMQProducer(Compat.unique("pg"));
    p.setNamesrvAddr(Compat.namesrv());
    p.setInstanceName(p.getProducerGroup());
    p.setSendMsgTimeout(20_000);
    p.setCompressMsgBodyOverHowmuch(Integer.MAX_VALUE);
    p.setMaxMessageSize(clientMax);
    p.setRetryTimesWhenSendFailed(0);
    Compat.banner();
    p.start();
    return p;
  }

  static Message large(String topic, int len) {
    Message m = Compat.message(topic, topic, 0);
    m.setBody(randomBody(len, len));
    return m;
  }

  @Test
  void fourMiBBodyAcceptedAndConsumedIntact() throws Exception {
    String topic = Compat.unique("big");
    DefaultMQProducer p = largeProducer(FOUR_MIB);
    SendResult r;
    try {
      Compat.createTopic(p, topic, 1);
      r = p.send(large(topic, FOUR_MIB));
    } finally {
      p.shutdown();
    }
    assertEquals(SendStatus.SEND_OK, r.getSendStatus());
    Compat.Collector c = new Compat.Collector();
    DefaultMQPushConsumer consumer = Compat.pushConsumer(Compat.unique("cg"), topic, c);
    try {
      c.awaitUnique(1, 60_000);
    } finally {
      consumer.shutdown();
    }
    MessageExt got = c.bySeq.get(0);
    assertArrayEquals(randomBody(FOUR_MIB, FOUR_MIB), got.getBody());
    assertEquals(r.getMsgId(), got.getMsgId());
  }

  /** The client's own check (Validators.checkMessage) refuses before anything is sent. */
  @Test
  void fourMiBPlusOneRefusedByClient() throws Exception {
    String topic = Compat.unique("big");
    DefaultMQProducer p = largeProducer(FOUR_MIB);
    try {
      MQClientException e = assertThrows(MQClientException.class, () -> p.send(large(topic, FOUR_MIB + 1)));
      assertEquals(MESSAGE_ILLEGAL, e.getResponseCode());
    } finally {
      p.shutdown();
    }
  }

  /**
   * With the client limit raised to 8 MiB the broker itself must refuse. Observed from the Java
   * 4.9.7 broker (JSON and ROCKETMQ alike): code 13 (MESSAGE_ILLEGAL), remark
   * "the message is illegal, maybe msg body or properties length not matched. msg body length limit
   * 4194304B, msg properties length limit 32KB." (the limit in the text is the broker's maxMessageSize).
   * An exactly 4 MiB body is accepted (the limit applies to the body, not the whole record).
   */
  @Test
  void fourMiBPlusOneRefusedByBroker() throws Exception {
    String topic = Compat.unique("big");
    DefaultMQProducer p = largeProducer(8 * 1024 * 1024);
    try {
      Compat.createTopic(p, topic, 1);
      MQBrokerException e = assertThrows(MQBrokerException.class, () -> p.send(large(topic, FOUR_MIB + 1)));
      System.out.println("compat: 4 MiB + 1 body -> broker code=" + e.getResponseCode()
          + " remark=\"" + e.getErrorMessage() + "\"");
      assertEquals(BROKER_CODE, e.getResponseCode());
      assertEquals(BROKER_REMARK, e.getErrorMessage());
    } finally {
      p.shutdown();
    }
  }

  static final int BROKER_CODE = MESSAGE_ILLEGAL;
  static final String BROKER_REMARK = "the message is illegal, maybe msg body or properties length not matched."
      + " msg body length limit 4194304B, msg properties length limit 32KB.";
}
