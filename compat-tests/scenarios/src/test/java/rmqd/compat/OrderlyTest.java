package rmqd.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerOrderly;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Orderly consumption (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): messages sent with a MessageQueueSelector
 * by order id are seen strictly in order per queue, across a restart and a rebalance; and
 * SUSPEND_CURRENT_QUEUE_A_MOMENT redelivers the same message in place.
 */
class OrderlyTest {
  static final int QUEUES = 4;
  static final int ORDERS = 8;

  /** Per consumer session: the seqs seen per queue, in delivery order. */
  static final class Session implements MessageListenerOrderly {
    final Map<Integer, List<Integer>> byQueue = new ConcurrentHashMap<>();
    final Map<Integer, Integer> suspendOnce = new ConcurrentHashMap<>();  // seq -> times still to suspend
    DefaultMQPushConsumer consumer;

    @Override
    public ConsumeOrderlyStatus consumeMessage(List<MessageExt> msgs,
        org.apache.rocketmq.client.consumer.listener.ConsumeOrderlyContext ctx) {
      for (MessageExt m : msgs) {
        int seq = Compat.seqOf(m);
        byQueue.computeIfAbsent(m.getQueueId(), k -> new CopyOnWriteArrayList<>()).add(seq);
        if (suspendOnce.computeIfPresent(seq, (k, v) -> v > 0 ? v - 1 : null) != null) {
          ctx.setSuspendCurrentQueueTimeMillis(200);
          return ConsumeOrderlyStatus.SUSPEND_CURRENT_QUEUE_A_MOMENT;
        }
      }
      return ConsumeOrderlyStatus.SUCCESS;
    }

    java.util.Set<Integer> seen() {
      java.util.Set<Integer> s = new java.util.TreeSet<>();
      byQueue.values().forEach(s::addAll);
      return s;
    }
  }

  static Session start(String group, String topic) throws Exception {
    Session s = new Session();
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.setPersistConsumerOffsetInterval(1000);
    c.subscribe(topic, "*");
    c.registerMessageListener(s);
    c.start();
    s.consumer = c;
    return s;
  }

  static void send(DefaultMQProducer p, String topic, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      Message m = Compat.message(topic, topic, i);
      int orderId = i % ORDERS;
      m.putUserProperty("orderId", Integer.toString(orderId));
      p.send(m, (mqs, msg, arg) -> mqs.get((Integer) arg % mqs.size()), orderId);
    }
  }

  /** Within one session each queue's seqs only go up, and every seq is on its order id's queue. */
  static void assertInOrder(Session s, String what) {
    for (Map.Entry<Integer, List<Integer>> e : s.byQueue.entrySet()) {
      List<Integer> l = e.getValue();
      for (int i = 1; i < l.size(); i++) {
        assertTrue(l.get(i) > l.get(i - 1), what + ": queue " + e.getKey() + " out of order: " + l);
      }
      for (int seq : l) assertEquals(e.getKey(), (seq % ORDERS) % QUEUES, "queue of seq " + seq);
    }
  }

  @Test
  void orderKeptAcrossARestartAndARebalance() throws Exception {
    String topic = Compat.unique("orderly");
    String group = Compat.unique("cg");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    List<Session> sessions = new ArrayList<>();
    try {
      Compat.createTopic(p, topic, QUEUES);
      send(p, topic, 0, 40);
      Session first = start(group, topic);
      sessions.add(first);
      Compat.waitFor("first 40", 30_000, () -> first.seen().size() >= 40);
      assertInOrder(first, "first session");
      first.consumer.shutdown();  // persists offsets, unlocks its queues

      send(p, topic, 40, 80);
      Session second = start(group, topic);
      sessions.add(second);
      Compat.waitFor("restart: 40..79", 30_000, () -> second.seen().containsAll(range(40, 80)));
      // Second consumer joins while sending: the queues are split and relocked.
      Session third = start(group, topic);
      sessions.add(third);
      for (int i = 80; i < 160; i += 8) {
        send(p, topic, i, i + 8);
        Compat.sleep(100);
      }
      Compat.waitFor("all 160 across the sessions", 40_000, () -> {
        java.util.Set<Integer> all = new java.util.TreeSet<>();
        sessions.forEach(s -> all.addAll(s.seen()));
        return all.size() >= 160;
      });
      for (int i = 0; i < sessions.size(); i++) assertInOrder(sessions.get(i), "session " + i);
      assertTrue(!third.seen().isEmpty(), "the joining consumer got no queue");
    } finally {
      for (Session s : sessions) s.consumer.shutdown();
      p.shutdown();
    }
  }

  @Test
  void suspendCurrentQueueRedeliversTheSameMessageInPlace() throws Exception {
    String topic = Compat.unique("osusp");
    String group = Compat.unique("cg");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    Session s = new Session();
    s.suspendOnce.put(9, 2);  // seq 9 is suspended twice, then accepted
    try {
      Compat.createTopic(p, topic, QUEUES);
      send(p, topic, 0, 24);
      DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
      c.setNamesrvAddr(Compat.namesrv());
      c.setInstanceName(Compat.unique("inst"));
      c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
      c.subscribe(topic, "*");
      c.registerMessageListener(s);
      c.start();
      s.consumer = c;
      Compat.waitFor("all 24", 30_000, () -> s.seen().size() >= 24);
      int q = (9 % ORDERS) % QUEUES;
      List<Integer> l = s.byQueue.get(q);
      List<Integer> want = new ArrayList<>();
      for (int i = 0; i < 24; i++) {
        if ((i % ORDERS) % QUEUES == q) {
          want.add(i);
          if (i == 9) {
            want.add(9);
            want.add(9);
          }
        }
      }
      assertEquals(want, l, "deliveries on queue " + q);
    } finally {
      if (s.consumer != null) s.consumer.shutdown();
      p.shutdown();
    }
  }

  static List<Integer> range(int from, int to) {
    List<Integer> l = new ArrayList<>();
    for (int i = from; i < to; i++) l.add(i);
    return l;
  }
}
