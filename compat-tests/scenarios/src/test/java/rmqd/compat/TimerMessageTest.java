package rmqd.compat;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageAccessor;
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
 * reflection so the 4.9.8 module still compiles). The 4.9.7 oracle ignores the TIMER_* properties;
 * the oracle is the Java 5.3.1 broker (run.sh --java5, rmq.target=java5), read together with the 5.x
 * source (HookUtils.transformTimerMessage, TimerMessageStore.convert/convertMessage,
 * SendMessageProcessor's WHEEL_TIMER_MSG_ILLEGAL remark): delivery never before the due time and
 * at most one timerPrecisionMs (1 s) after it; TIMER_OUT_MS, TIMER_DEQUEUE_MS and TIMER_ENQUEUE_MS
 * (the wheel's write time, whole seconds) on the delivered copy; more than timerMaxDelaySec (3 days)
 * away is refused with MESSAGE_ILLEGAL (13). REAL_TOPIC/REAL_QID are removed from the delivered copy,
 * as later 5.x releases do; 5.3.1 leaves them on it (its convertMessage builds the stored properties
 * before it clears them), so only their values are checked against that oracle.
 *
 * <p>Cancelling (TimerMessageStore dequeue: delete markers of a slot are read first, then every
 * message of the same slot whose key they name is dropped; RecallMessageProcessor / buildDeleteKey):
 * a timer message carrying TIMER_DEL_UNIQKEY is a delete marker, never delivered itself. It cancels
 * only messages parked in its own wheel slot (TIMER_OUT_MS, i.e. the same timerPrecisionMs window of
 * delivery time). 5.3.2+ names the message "<topic>+<msgId>", 5.0-5.3.1 by the bare msgId (UNIQ_KEY);
 * rmqd takes both, the 5.3.1 oracle only the bare one. The 5.3.1 client has no cancel API, so the marker is built as a user would:
 * MessageAccessor.putProperty (Message.putUserProperty refuses system property names).
 */
class TimerMessageTest {
  /** Allowed lateness at the consumer: one precision step plus push-consumer latency. */
  static final long MAX_LATE_MS = 1500;

  /** The Java 5.3.1 broker (run.sh --java5) rather than rmqd. */
  static boolean java531() {
    return "java5".equals(System.getProperty("rmq.target", "rmqd"));
  }

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
        if (java531()) {
          assertEquals(topic, m.getProperty("REAL_TOPIC"), "REAL_TOPIC left on delivery by 5.3.1, seq " + i);
          assertEquals(String.valueOf(m.getQueueId()), m.getProperty("REAL_QID"), "REAL_QID (5.3.1), seq " + i);
        } else {
          assertNull(m.getProperty("REAL_TOPIC"), "REAL_TOPIC is cleared on delivery, seq " + i);
          assertNull(m.getProperty("REAL_QID"), "REAL_QID is cleared on delivery, seq " + i);
        }
        assertNotNull(m.getProperty("TIMER_OUT_MS"), "TIMER_OUT_MS of seq " + i);
        assertNotNull(m.getProperty("TIMER_ENQUEUE_MS"), "TIMER_ENQUEUE_MS of seq " + i);
        assertEquals(0, Long.parseLong(m.getProperty("TIMER_ENQUEUE_MS")) % 1000,
            "TIMER_ENQUEUE_MS in whole seconds, seq " + i + ": " + m.getProperty("TIMER_ENQUEUE_MS"));
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

  private static SendResult sendMarker(DefaultMQProducer p, String topic, int seq, long deliverMs, String key)
      throws Exception {
    Message marker = Compat.message(topic, topic, seq);
    call(marker, "setDeliverTimeMs", deliverMs);
    MessageAccessor.putProperty(marker, "TIMER_DEL_UNIQKEY", key);
    SendResult r = p.send(marker);
    assertEquals(SendStatus.SEND_OK, r.getSendStatus(), "marker seq " + seq);
    return r;
  }

  @Test
  void deleteMarkerInTheSameSlotCancelsTheTimer() throws Exception {
    String topic = Compat.unique("timercancel");
    Map<Integer, Integer> deliveries = new ConcurrentHashMap<>();
    Map<Integer, Long> gotAt = new ConcurrentHashMap<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 1);
      c = Compat.pushConsumer(Compat.unique("cg"), topic, (msgs, ctx) -> {
        for (MessageExt m : msgs) {
          deliveries.merge(Compat.seqOf(m), 1, Integer::sum);
          gotAt.putIfAbsent(Compat.seqOf(m), System.currentTimeMillis());
        }
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      Compat.sleep(1000);
      // The middle of a 1 s slot, far enough ahead for all sends to be parked first.
      long slot = (System.currentTimeMillis() + 4000) / 1000 * 1000;
      long deliverAt = slot + 500;
      SendResult[] r = new SendResult[4];
      for (int i = 0; i < 4; i++) {
        Message m = Compat.message(topic, topic, i);
        call(m, "setDeliverTimeMs", deliverAt);
        r[i] = p.send(m);
        assertEquals(SendStatus.SEND_OK, r[i].getSendStatus(), "seq " + i);
      }
      // seq 1: 5.3.2+ key, another delivery time in the same slot; seq 2: 5.0-5.3.1 bare key;
      // seq 3: a marker one slot later cancels nothing; a marker naming no message harms nothing.
      sendMarker(p, topic, 101, slot + 900, topic + "+" + r[1].getMsgId());
      sendMarker(p, topic, 102, slot + 100, r[2].getMsgId());
      sendMarker(p, topic, 103, deliverAt + 1000, topic + "+" + r[3].getMsgId());
      sendMarker(p, topic, 104, deliverAt, topic + "+0000000000000000000000000000DEAD");

      // Parked in rmq_sys_wheel_timer queue 0, as 5.x's HookUtils stores it.
      MessageExt parked = p.viewMessage("rmq_sys_wheel_timer", r[1].getOffsetMsgId());
      assertEquals("rmq_sys_wheel_timer", parked.getTopic());
      assertEquals(0, parked.getQueueId());
      assertEquals(topic, parked.getProperty("REAL_TOPIC"));
      assertEquals(String.valueOf(slot), parked.getProperty("TIMER_OUT_MS"));
      // The topic itself, as 5.x's TopicConfigManager creates it with timerWheelEnable.
      String brokerAddr = p.getDefaultMQProducerImpl().getmQClientFactory()
          .findBrokerAddressInPublish(r[0].getMessageQueue().getBrokerName());
      var api = p.getDefaultMQProducerImpl().getmQClientFactory().getMQClientAPIImpl();
      var tc = api.getAllTopicConfig(brokerAddr, 5000).getTopicConfigTable().get("rmq_sys_wheel_timer");
      assertNotNull(tc, "rmq_sys_wheel_timer in GET_ALL_TOPIC_CONFIG");
      assertEquals(1, tc.getReadQueueNums());
      assertEquals(1, tc.getWriteQueueNums());
      assertEquals(6, tc.getPerm());
      assertTrue(api.getSystemTopicListFromBroker(brokerAddr, 5000).getTopicList().contains("rmq_sys_wheel_timer"),
          "rmq_sys_wheel_timer in GET_SYSTEM_TOPIC_LIST_FROM_BROKER");

      // 45 s: the 5.3.1 push consumer sometimes takes ~30 s to get a just-created topic's queue.
      Compat.waitFor("seq 0 and 3", 45_000, () -> gotAt.containsKey(0) && gotAt.containsKey(3));
      // Past the marker one slot later and then some: nothing else may arrive.
      Compat.sleep(Math.max(0, deliverAt + 1000 + 2500 - System.currentTimeMillis()));
      // 5.3.1 knows only the bare key, so its seq 1 ("<topic>+<msgId>") is delivered.
      assertEquals(new TreeMap<>(java531() ? Map.of(0, 1, 1, 1, 3, 1) : Map.of(0, 1, 3, 1)), new TreeMap<>(deliveries),
          "delivered seq -> count (2 cancelled, and 1 unless 5.3.1; markers 101..104 never delivered)");
      for (int i : new int[] {0, 3}) {
        assertTrue(gotAt.get(i) >= deliverAt, "seq " + i + " arrived " + (deliverAt - gotAt.get(i)) + " ms early");
      }
      System.out.println("compat: timer cancel (" + Compat.clientTag() + "): kept seq 0 +" + (gotAt.get(0) - deliverAt)
          + "ms, seq 3 +" + (gotAt.get(3) - deliverAt) + "ms; seq 1 (topic+key) and 2 (bare key) cancelled");
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
