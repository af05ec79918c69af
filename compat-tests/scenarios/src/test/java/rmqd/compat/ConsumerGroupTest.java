package rmqd.compat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consumer groups: clustering (queues shared by rebalance, taken over when a member leaves) and
 * broadcasting (every member gets every message). Rebalance is driven by the broker's
 * NOTIFY_CONSUMER_IDS_CHANGED and GET_CONSUMER_LIST_BY_GROUP.
 */
class ConsumerGroupTest {
  static final int QUEUES = 6;

  /** Records which consumer got which seq from which queue. */
  static final class Member implements MessageListenerConcurrently {
    final String name;
    final ConcurrentLinkedQueue<MessageExt> got = new ConcurrentLinkedQueue<>();
    DefaultMQPushConsumer consumer;

    Member(String name) {
      this.name = name;
    }

    @Override
    public ConsumeConcurrentlyStatus consumeMessage(List<MessageExt> msgs,
        org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyContext ctx) {
      got.addAll(msgs);
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    }

    Set<Integer> queuesSeen() {
      Set<Integer> s = new TreeSet<>();
      for (MessageExt m : got) s.add(m.getQueueId());
      return s;
    }

    /** The queues the client's rebalance currently holds (not dropped). */
    Set<Integer> assigned() {
      Set<Integer> s = new TreeSet<>();
      consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable()
          .forEach((mq, pq) -> {
            // The table also holds the group's %RETRY% queue once its route is known.
            if (!pq.isDropped() && !mq.getTopic().startsWith("%RETRY%")) s.add(mq.getQueueId());
          });
      return s;
    }
  }

  static Member start(String group, String topic, String model) throws Exception {
    Member m = new Member(group);
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    setMessageModel(c, model);
    c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    c.setConsumeThreadMin(2);
    c.setConsumeThreadMax(2);
    c.setPersistConsumerOffsetInterval(1000);
    c.subscribe(topic, "*");
    c.registerMessageListener(m);
    c.start();
    Compat.settle(c, topic);
    m.consumer = c;
    return m;
  }

  /** MessageModel moved package in 5.x (common.protocol -> remoting.protocol): set it by name. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void setMessageModel(DefaultMQPushConsumer c, String model) throws Exception {
    Class type = c.getClass().getMethod("getMessageModel").getReturnType();
    c.getClass().getMethod("setMessageModel", type).invoke(c, Enum.valueOf(type, model));
  }

  /** Waits until the members' assignments are disjoint and cover all queues. */
  static void awaitBalanced(List<Member> members, long timeoutMs) throws InterruptedException {
    Compat.waitFor("a disjoint assignment of " + QUEUES + " queues", timeoutMs, () -> {
      Set<Integer> union = new HashSet<>();
      int total = 0;
      for (Member m : members) {
        Set<Integer> a = m.assigned();
        if (a.isEmpty()) return false;
        union.addAll(a);
        total += a.size();
      }
      return union.size() == QUEUES && total == QUEUES;
    });
  }

  static void sendRoundRobin(DefaultMQProducer p, String topic, int from, int to) throws Exception {
    for (int i = from; i < to; i++) {
      p.send(Compat.message(topic, topic, i), new MessageQueue(topic, "broker-a", i % QUEUES));
    }
  }

  static Map<Integer, Integer> countBySeq(List<Member> members) {
    Map<Integer, Integer> n = new HashMap<>();
    for (Member m : members) {
      for (MessageExt e : m.got) n.merge(Compat.seqOf(e), 1, Integer::sum);
    }
    return n;
  }

  @Test
  void clusteringSharesQueuesAndTakesOverWhenAMemberLeaves() throws Exception {
    String topic = Compat.unique("cluster");
    String group = Compat.unique("cg");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    List<Member> members = new java.util.ArrayList<>();
    try {
      Compat.createTopic(p, topic, QUEUES);
      for (int i = 0; i < 3; i++) members.add(start(group, topic, "CLUSTERING"));
      awaitBalanced(members, 30_000);
      Map<String, Set<Integer>> assignment = new HashMap<>();
      for (Member m : members) assignment.put(m.consumer.getInstanceName(), m.assigned());
      int n = 60;
      sendRoundRobin(p, topic, 0, n);
      Compat.waitFor(n + " messages across the group", 30_000, () -> countBySeq(members).size() >= n);
      Compat.sleep(500);
      Map<Integer, Integer> counts = countBySeq(members);
      for (int i = 0; i < n; i++) assertEquals(1, (int) counts.get(i), "deliveries of seq " + i + " " + counts);
      for (Member m : members) {
        Set<Integer> seen = m.queuesSeen();
        assertFalse(seen.isEmpty(), "a member got nothing; assignment " + assignment);
        assertEquals(m.assigned(), seen, "queues a member consumed vs its assignment");
      }
      System.out.println("compat: clustering assignment (" + Compat.clientTag() + "): " + assignment.values());

      // One member leaves (UNREGISTER_CLIENT + connection close): the other two take its queues.
      Member gone = members.remove(2);
      gone.consumer.shutdown();
      awaitBalanced(members, 30_000);
      int m2 = 120;
      sendRoundRobin(p, topic, n, m2);
      List<Member> all = new java.util.ArrayList<>(members);
      all.add(gone);
      Compat.waitFor(m2 + " messages after the takeover", 30_000, () -> countBySeq(all).size() >= m2);
      Map<Integer, Integer> after = countBySeq(all);
      for (int i = 0; i < m2; i++) assertTrue(after.getOrDefault(i, 0) >= 1, "seq " + i + " never consumed");
      Set<Integer> union = new TreeSet<>();
      for (Member m : members) {
        for (MessageExt e : m.got) if (Compat.seqOf(e) >= n) union.add(e.getQueueId());
      }
      assertEquals(QUEUES, union.size(), "queues served by the two survivors " + union);
    } finally {
      for (Member m : members) m.consumer.shutdown();
      p.shutdown();
    }
  }

  @Test
  void broadcastingDeliversEveryMessageToEveryMember() throws Exception {
    String topic = Compat.unique("bcast");
    String group = Compat.unique("cg");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    List<Member> members = new java.util.ArrayList<>();
    try {
      Compat.createTopic(p, topic, 4);
      for (int i = 0; i < 2; i++) members.add(start(group, topic, "BROADCASTING"));
      Compat.waitFor("both members hold all 4 queues", 30_000,
          () -> members.stream().allMatch(m -> m.assigned().size() == 4));
      int n = 20;
      for (int i = 0; i < n; i++) p.send(Compat.message(topic, topic, i));
      for (Member m : members) {
        Compat.waitFor(n + " messages at one member", 30_000,
            () -> m.got.stream().map(Compat::seqOf).distinct().count() >= n);
      }
      Compat.sleep(500);
      for (Member m : members) {
        assertEquals(n, m.got.size(), "deliveries at one member (no duplicates)");
        for (MessageExt e : m.got) Compat.assertSameContent(topic, topic, e);
      }
    } finally {
      for (Member m : members) m.consumer.shutdown();
      p.shutdown();
    }
  }
}
