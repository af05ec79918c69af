package rmqd.compat;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 5.x timer messages: Message.setDeliverTimeMs / setDelayTimeSec (5.3.1 client only; called by
 * reflection so the 4.9.8 module still compiles). rmqd only: the 4.9.7 oracle ignores the TIMER_*
 * properties, and there is no 5.x broker oracle, so the expectations come from reading the 5.x
 * source (HookUtils.transformTimerMessage, TimerMessageStore.convert/convertMessage,
 * SendMessageProcessor's WHEEL_TIMER_MSG_ILLEGAL remark): delivery never before the due time and
 * at most one timerPrecisionMs (1 s) after it; REAL_TOPIC/REAL_QID removed and TIMER_OUT_MS,
 * TIMER_ENQUEUE_MS, TIMER_DEQUEUE_MS present on the delivered copy; more than timerMaxDelaySec
 * (3 days) away is refused with MESSAGE_ILLEGAL (13).
 */
class TimerMessageTest {
  /** Allowed lateness at the consumer: one precision step plus push-consumer latency. */
  static final long MAX_LATE_MS = 1500;

  @BeforeEach
  void onlyRmqdWith5x() {
    assumeTrue(Compat.clientVersion().startsWith("5"), "timer messages: 5.3.1 client only");
    assumeTrue(!"java".equals(System.getProperty("rmq.target", "rmqd")),
        "timer messages: the 4.9.7 oracle ignores TIMER_* properties");
  }

  private static void call(Message m, String setter, long v) throws Exception {
    Method f = Message.class.getMethod(setter, long.class);
    f.invoke(m, v);
  }

  @Test
  void deliverTimeMsAndDelayTimeSecArriveWhenDue() throws Exception {
    String topic = Compat.unique("timer");
    Map<Integer, Long> dueAt = new ConcurrentHashMap<>();
    Map<Integer, Long> gotAt = new ConcurrentHashMap<>();
    Map<Integer, MessageExt> got = new ConcurrentHashMap<>();
    Map<Integer, SendResult> sent = new ConcurrentHashMap<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 2);
      c = Compat.pushConsumer(Compat.unique("cg"), topic, (msgs, ctx) -> {
        for (MessageExt m : msgs) {
          gotAt.putIfAbsent(Compat.seqOf(m), System.currentTimeMillis());
          got.putIfAbsent(Compat.seqOf(m), m);
        }
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      Compat.sleep(1000);  // let the consumer's first long polls park
      int n = 4;
      for (int i = 0; i < n; i++) {
        Message m = Compat.message(topic, topic, i);
        long now = System.currentTimeMillis();
        if (i % 2 == 0) {
          call(m, "setDeliverTimeMs", now + 2000);
          dueAt.put(i, now + 2000);
        } else {
          call(m, "setDelayTimeSec", 1);
          dueAt.put(i, now + 1000);
        }
        sent.put(i, p.send(m));
      }
      Compat.waitFor(n + " timer messages (have " + got.size() + ")", 20_000, () -> got.size() >= n);
      StringBuilder report = new StringBuilder();
      for (int i = 0; i < n; i++) {
        MessageExt m = got.get(i);
        Compat.assertSameContent(topic, topic, m);
        assertEquals(sent.get(i).getMessageQueue().getQueueId(), m.getQueueId(), "real queue of seq " + i);
        assertEquals(sent.get(i).getMsgId(), m.getMsgId(), "msgId (UNIQ_KEY) of seq " + i);
        assertNull(m.getProperty("REAL_TOPIC"), "REAL_TOPIC is cleared on delivery, seq " + i);
        assertNull(m.getProperty("REAL_QID"), "REAL_QID is cleared on delivery, seq " + i);
        assertNotNull(m.getProperty("TIMER_OUT_MS"), "TIMER_OUT_MS of seq " + i);
        assertNotNull(m.getProperty("TIMER_ENQUEUE_MS"), "TIMER_ENQUEUE_MS of seq " + i);
        assertNotNull(m.getProperty("TIMER_DEQUEUE_MS"), "TIMER_DEQUEUE_MS of seq " + i);
        assertNotNull(m.getProperty(i % 2 == 0 ? "TIMER_DELIVER_MS" : "TIMER_DELAY_SEC"), "timer property kept, seq " + i);
        long due = dueAt.get(i);
        assertTrue(m.getStoreTimestamp() >= due, "seq " + i + " stored " + (due - m.getStoreTimestamp()) + " ms early");
        assertTrue(gotAt.get(i) >= due, "seq " + i + " arrived " + (due - gotAt.get(i)) + " ms early");
        long late = gotAt.get(i) - due;
        assertTrue(late <= MAX_LATE_MS, "seq " + i + " arrived " + late + " ms late");
        report.append(i % 2 == 0 ? " deliverMs+" : " delaySec+").append(late).append("ms");
      }
      System.out.println("compat: timer lateness at the consumer (" + Compat.clientTag() + "):" + report);
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }

  @Test
  void beyondTimerMaxDelaySecIsRefused() throws Exception {
    String topic = Compat.unique("timerfar");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      Compat.createTopic(p, topic, 1);
      Message ok = Compat.message(topic, topic, 0);
      call(ok, "setDelayTimeSec", 259200 - 60);
      p.send(ok);  // within 3 days: accepted (and parked)
      Message far = Compat.message(topic, topic, 1);
      call(far, "setDeliverTimeMs", System.currentTimeMillis() + 259200L * 1000 + 60_000);
      try {
        p.send(far);
        fail("a delivery time beyond timerMaxDelaySec was accepted");
      } catch (MQBrokerException e) {
        assertEquals(13, e.getResponseCode(), "MESSAGE_ILLEGAL: " + e.getErrorMessage());
        assertTrue(e.getErrorMessage().contains("timer message illegal"), e.getErrorMessage());
      }
    } finally {
      p.shutdown();
    }
  }
}
