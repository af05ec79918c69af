package rmqd.compat;

import java.text.SimpleDateFormat;
import java.util.Date;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Where a new group starts (QUERY_CONSUMER_OFFSET answered for a group with no offset) and what a
 * pull outside the queue's range gets.
 */
class ConsumeFromWhereTest {

  static Compat.Collector startAt(String group, String topic, ConsumeFromWhere where, String timestamp) throws Exception {
    Compat.Collector col = new Compat.Collector();
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group);
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    c.setConsumeFromWhere(where);
    if (timestamp != null) c.setConsumeTimestamp(timestamp);
    c.subscribe(topic, "*");
    c.registerMessageListener(col);
    c.start();
    Compat.settle(c, topic);
    started.set(c);
    return col;
  }

  static final ThreadLocal<DefaultMQPushConsumer> started = new ThreadLocal<>();

  /**
   * Oracle fact (Java 4.9.7): a group with no stored offset on a queue whose first message is
   * still in memory gets offset 0 from QUERY_CONSUMER_OFFSET, and the client takes any offset
   * >= 0 as is, so LAST_OFFSET and TIMESTAMP start at 0 just like FIRST_OFFSET.
   */
  @Test
  void newGroupOnAFreshQueueStartsAtZeroWhateverItAsks() throws Exception {
    String topic = Compat.unique("cfw");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      Compat.createTopic(p, topic, 2);
      int n = 6;
      for (int i = 0; i < n; i++) p.send(Compat.message(topic, topic, i));
      String ts = new SimpleDateFormat("yyyyMMddHHmmss").format(new Date(System.currentTimeMillis() + 3_600_000));
      Object[][] cases = {
          {ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET, null},
          {ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET, null},
          {ConsumeFromWhere.CONSUME_FROM_TIMESTAMP, ts},
      };
      for (Object[] cs : cases) {
        Compat.Collector col = startAt(Compat.unique("cg"), topic, (ConsumeFromWhere) cs[0], (String) cs[1]);
        DefaultMQPushConsumer c = started.get();
        try {
          col.awaitUnique(n, 20_000);
          Compat.assertContiguousOffsets(col.all, 0);
          p.send(Compat.message(topic, topic, n));
          col.awaitUnique(n + 1, 20_000);
          assertEquals(n + 1, col.all.size(), cs[0] + ": deliveries (no duplicates)");
        } finally {
          c.shutdown();
        }
        n += 1;  // the next group finds every message so far
      }
    } finally {
      p.shutdown();
    }
  }

  /** PULL_MESSAGE at max (nothing yet) and beyond max (OFFSET_MOVED, corrected nextBeginOffset). */
  @Test
  void pullOutsideTheQueueRange() throws Exception {
    String topic = Compat.unique("range");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(Compat.unique("cg"));
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    try {
      Compat.createTopic(p, topic, 1);
      c.start();
      MessageQueue mq = new MessageQueue(topic, "broker-a", 0);
      for (int i = 0; i < 3; i++) p.send(Compat.message(topic, topic, i), mq);
      PullResult in = c.pull(mq, "*", 1, 32);
      assertEquals(PullStatus.FOUND, in.getPullStatus());
      assertEquals(2, in.getMsgFoundList().size());
      assertEquals(3, in.getNextBeginOffset());
      PullResult atMax = c.pull(mq, "*", 3, 32);
      PullResult beyond = c.pull(mq, "*", 100, 32);
      String report = "at max: " + atMax.getPullStatus() + " next=" + atMax.getNextBeginOffset()
          + " min=" + atMax.getMinOffset() + " max=" + atMax.getMaxOffset()
          + "; beyond: " + beyond.getPullStatus() + " next=" + beyond.getNextBeginOffset()
          + " min=" + beyond.getMinOffset() + " max=" + beyond.getMaxOffset();
      System.out.println("compat: pull outside the range (" + Compat.clientTag() + "): " + report);
      assertEquals(PullStatus.NO_NEW_MSG, atMax.getPullStatus(), report);
      assertEquals(3, atMax.getNextBeginOffset(), report);
      assertEquals(PullStatus.OFFSET_ILLEGAL, beyond.getPullStatus(), report);
      // Oracle fact (4.9.7): corrected to max, even with min 0 (older brokers corrected to min).
      assertEquals(3, beyond.getNextBeginOffset(), report);
      assertEquals(0, beyond.getMinOffset(), report);
      assertEquals(3, beyond.getMaxOffset(), report);
    } finally {
      c.shutdown();
      p.shutdown();
    }
  }
}
