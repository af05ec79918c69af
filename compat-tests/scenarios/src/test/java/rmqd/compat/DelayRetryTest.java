package rmqd.compat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delay levels (SCHEDULE_TOPIC_XXXX), consumer retries (CONSUMER_SEND_MSG_BACK into %RETRY%group)
 * and the dead-letter queue (%DLQ%group), with the broker's default messageDelayLevel.
 * Retries ask for delay level 1 (1 s) through ConsumeConcurrentlyContext so the test stays short;
 * the broker's own choice would be level 3 + reconsumeTimes (10 s and up).
 */
class DelayRetryTest {
  static final long[] LEVEL_MS = {0, 1000, 5000};
  /** Allowed lateness of a delayed message, measured at the consumer. */
  static final long MAX_LATE_MS = 2000;

  @Test
  void delayLevels1And2ArriveWhenDue() throws Exception {
    String topic = Compat.unique("delay");
    Map<Integer, Long> sentAt = new ConcurrentHashMap<>();
    Map<Integer, Integer> queueOf = new ConcurrentHashMap<>();
    Map<Integer, Long> gotAt = new ConcurrentHashMap<>();
    Map<Integer, MessageExt> got = new ConcurrentHashMap<>();
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
      int n = 6;
      for (int i = 0; i < n; i++) {
        Message m = Compat.message(topic, topic, i);
        m.setDelayTimeLevel(i % 2 == 0 ? 1 : 2);
        long t = System.currentTimeMillis();
        queueOf.put(i, p.send(m).getMessageQueue().getQueueId());
        sentAt.put(i, t);
      }
      Compat.waitFor(n + " delayed messages (have " + got.size() + ")", 20_000, () -> got.size() >= n);
      StringBuilder report = new StringBuilder();
      for (int i = 0; i < n; i++) {
        MessageExt m = got.get(i);
        int level = i % 2 == 0 ? 1 : 2;
        Compat.assertSameContent(topic, topic, m);
        assertEquals((int) queueOf.get(i), m.getQueueId(), "real queue of seq " + i);
        // Oracle fact: Java 4.9 stores the due copy with the parked properties, so DELAY and
        // REAL_TOPIC are still visible to the consumer.
        assertEquals(Integer.toString(level), m.getProperty("DELAY"), "DELAY of the delivered copy, seq " + i);
        assertEquals(topic, m.getProperty("REAL_TOPIC"), "REAL_TOPIC of seq " + i);
        // Server side: the delivered copy is stored no earlier than born time + delay.
        assertTrue(m.getStoreTimestamp() >= m.getBornTimestamp() + LEVEL_MS[level],
            "seq " + i + " stored " + (m.getStoreTimestamp() - m.getBornTimestamp()) + " ms after birth, level " + level);
        long late = gotAt.get(i) - (sentAt.get(i) + LEVEL_MS[level]);
        assertTrue(gotAt.get(i) >= sentAt.get(i) + LEVEL_MS[level] - 50, "seq " + i + " arrived " + (-late) + " ms early");
        assertTrue(late <= MAX_LATE_MS, "seq " + i + " arrived " + late + " ms late");
        report.append(" L").append(level).append('+').append(late).append("ms");
      }
      System.out.println("compat: delay lateness at the consumer (" + Compat.clientTag() + "):" + report);
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }

  /** Each message fails twice, then succeeds: three deliveries with reconsumeTimes 0, 1, 2. */
  @Test
  void reconsumeLaterRetriesThroughRetryTopic() throws Exception {
    String topic = Compat.unique("retry");
    String group = Compat.unique("cg");
    int n = 4;
    Map<Integer, List<Integer>> times = new ConcurrentHashMap<>();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 2);
      // The client learns the retry topic's route only at start or every 30 s: make it exist now.
      Compat.createTopic(p, "%RETRY%" + group, 1);
      c = Compat.pushConsumer(group, topic, (MessageListenerConcurrently) (msgs, ctx) -> {
        boolean fail = false;
        for (MessageExt m : msgs) {
          int seq = Compat.seqOf(m);
          times.computeIfAbsent(seq, k -> new CopyOnWriteArrayList<>()).add(m.getReconsumeTimes());
          try {
            Compat.assertSameContent(topic, topic, m);  // the client restores the topic from RETRY_TOPIC
          } catch (Throwable t) {
            problems.add("seq " + seq + " try " + m.getReconsumeTimes() + ": " + t.getMessage());
          }
          fail |= m.getReconsumeTimes() < 2;
        }
        if (!fail) return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        ctx.setDelayLevelWhenNextConsume(1);
        return ConsumeConcurrentlyStatus.RECONSUME_LATER;
      });
      for (int i = 0; i < n; i++) {
        p.send(Compat.message(topic, topic, i));
      }
      Compat.waitFor("3 deliveries of " + n + " messages " + times, 30_000,
          () -> times.size() == n && times.values().stream().allMatch(l -> l.size() >= 3));
      Compat.sleep(2500);  // a fourth delivery would come about 1 s after the third
      assertTrue(problems.isEmpty(), problems.toString());
      for (int i = 0; i < n; i++) {
        List<Integer> l = times.get(i);
        l.sort(Integer::compare);
        assertEquals(List.of(0, 1, 2), l, "reconsumeTimes of seq " + i);
      }
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }

  /** maxReconsumeTimes=2 and always RECONSUME_LATER: the message ends in %DLQ%group, readable. */
  @Test
  void exhaustedRetriesGoToDeadLetterQueue() throws Exception {
    String topic = Compat.unique("dlq");
    String group = Compat.unique("cg");
    String dlq = "%DLQ%" + group;
    Map<Integer, List<Integer>> times = new ConcurrentHashMap<>();
    Map<Integer, MessageExt> dead = new ConcurrentHashMap<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    DefaultMQPushConsumer d = null;
    try {
      Compat.createTopic(p, topic, 1);
      Compat.createTopic(p, "%RETRY%" + group, 1);
      DefaultMQPushConsumer failing = new DefaultMQPushConsumer(group);
      failing.setMaxReconsumeTimes(2);
      c = failing;
      c.setNamesrvAddr(Compat.namesrv());
      c.setInstanceName(group);
      c.setConsumeFromWhere(org.apache.rocketmq.common.consumer.ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
      c.subscribe(topic, "*");
      c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
        for (MessageExt m : msgs) {
          times.computeIfAbsent(Compat.seqOf(m), k -> new CopyOnWriteArrayList<>()).add(m.getReconsumeTimes());
        }
        ctx.setDelayLevelWhenNextConsume(1);
        return ConsumeConcurrentlyStatus.RECONSUME_LATER;
      });
      c.start();
      Compat.settle(c, topic);
      Compat.settle(c, "%RETRY%" + group);  // redeliveries are pulled from the retry topic
      int n = 2;
      for (int i = 0; i < n; i++) {
        p.send(Compat.message(topic, topic, i));
      }
      Compat.waitFor("3 deliveries of " + n + " messages " + times, 30_000,
          () -> times.size() == n && times.values().stream().allMatch(l -> l.size() >= 3));
      // The third failure sends the message to the DLQ; wait for its route, then read it.
      Compat.waitFor("route of " + dlq, 20_000, () -> {
        try {
          return !p.fetchPublishMessageQueues(dlq).isEmpty();
        } catch (Exception e) {
          return false;
        }
      });
      d = Compat.pushConsumer(Compat.unique("dlqreader"), dlq, (msgs, ctx) -> {
        for (MessageExt m : msgs) {
          dead.putIfAbsent(Compat.seqOf(m), m);
        }
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      Compat.waitFor(n + " dead letters (have " + dead.size() + ")", 30_000, () -> dead.size() >= n);
      Compat.sleep(1500);  // no fourth delivery to the failing consumer
      for (int i = 0; i < n; i++) {
        List<Integer> l = times.get(i);
        l.sort(Integer::compare);
        assertEquals(List.of(0, 1, 2), l, "reconsumeTimes of seq " + i);
        MessageExt m = dead.get(i);
        Message want = Compat.message(topic, topic, i);
        assertEquals(dlq, m.getTopic());
        assertArrayEquals(want.getBody(), m.getBody(), "DLQ body of seq " + i);
        assertEquals(want.getKeys(), m.getKeys(), "DLQ keys of seq " + i);
        assertEquals(want.getTags(), m.getTags(), "DLQ tags of seq " + i);
        assertEquals(topic, m.getProperty("RETRY_TOPIC"), "RETRY_TOPIC of seq " + i);
        assertEquals(3, m.getReconsumeTimes(), "DLQ reconsumeTimes of seq " + i);
        assertEquals(new String(want.getBody(), StandardCharsets.UTF_8), new String(m.getBody(), StandardCharsets.UTF_8));
      }
    } finally {
      if (d != null) d.shutdown();
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }
}
