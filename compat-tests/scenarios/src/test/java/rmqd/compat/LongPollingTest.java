package rmqd.compat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Long polling (PULL_MESSAGE with FLAG_SUSPEND): a held pull is answered when a message arrives,
 * and with nothing (PULL_NOT_FOUND) when its suspend time runs out.
 */
class LongPollingTest {
  /** Generous for a loaded 2-core machine; typical is tens of ms. */
  static final long MAX_WAKE_MS = 1000;

  @Test
  void heldPullIsAnsweredOnArrivalAndAtItsTimeout() throws Exception {
    String topic = Compat.unique("lp");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(Compat.unique("cg"));
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    c.setBrokerSuspendMaxTimeMillis(2000);
    c.setConsumerTimeoutMillisWhenSuspend(15_000);
    try {
      Compat.createTopic(p, topic, 1);
      c.start();
      MessageQueue mq = new MessageQueue(topic, "broker-a", 0);
      // Timeout: nothing arrives, the broker answers PULL_NOT_FOUND after the suspend time
      // (Java checks held pulls every 5 s, so up to ~7 s there).
      long t0 = System.currentTimeMillis();
      PullResult none = c.pullBlockIfNotFound(mq, "*", 0, 32);
      long waited = System.currentTimeMillis() - t0;
      assertEquals(PullStatus.NO_NEW_MSG, none.getPullStatus());
      assertTrue(waited >= 1900 && waited <= 9000, "held pull answered after " + waited + " ms");

      // Arrival: a held pull is answered as soon as the message is stored.
      CompletableFuture<Long> gotAt = CompletableFuture.supplyAsync(() -> {
        try {
          c.setBrokerSuspendMaxTimeMillis(15_000);
          PullResult r = c.pullBlockIfNotFound(mq, "*", 0, 32);
          assertEquals(PullStatus.FOUND, r.getPullStatus());
          return System.currentTimeMillis();
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      Compat.sleep(1000);
      long sentAt = System.currentTimeMillis();
      p.send(Compat.message(topic, topic, 0), mq);
      long wake = gotAt.get() - sentAt;
      System.out.println("compat: held pull woken " + wake + " ms after the send (" + Compat.clientTag()
          + "), timeout answered after " + waited + " ms");
      assertTrue(wake <= MAX_WAKE_MS, "held pull answered " + wake + " ms after the send");
    } finally {
      c.shutdown();
      p.shutdown();
    }
  }

  @Test
  void idlePushConsumerGetsAMessageWithinTensOfMs() throws Exception {
    String topic = Compat.unique("lpush");
    Map<Integer, Long> gotAt = new ConcurrentHashMap<>();
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPushConsumer c = null;
    try {
      Compat.createTopic(p, topic, 2);
      c = Compat.pushConsumer(Compat.unique("cg"), topic, (msgs, ctx) -> {
        for (MessageExt m : msgs) gotAt.putIfAbsent(Compat.seqOf(m), System.currentTimeMillis());
        return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
      });
      DefaultMQPushConsumer pc = c;
      Compat.waitFor("both queues assigned", 30_000,
          // Count this topic's queues only: the table also holds %RETRY%<group>'s queue as soon as
          // the client has its route, which can come in the same rebalance (it once made this wait
          // for "2" time out, since the table went from 0 straight to 3 entries).
          () -> pc.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable().keySet().stream()
              .filter(mq -> mq.getTopic().equals(topic)).count() == 2);
      Compat.sleep(1000);  // the first pulls park
      StringBuilder report = new StringBuilder();
      long worst = 0;
      for (int i = 0; i < 4; i++) {
        long sent = System.currentTimeMillis();
        p.send(Compat.message(topic, topic, i));
        final int seq = i;
        Compat.waitFor("seq " + i, 10_000, () -> gotAt.containsKey(seq));
        long lat = gotAt.get(i) - sent;
        worst = Math.max(worst, lat);
        report.append(' ').append(lat).append("ms");
        Compat.sleep(300);
      }
      System.out.println("compat: idle send->consume latency (" + Compat.clientTag() + "):" + report);
      assertTrue(worst <= MAX_WAKE_MS, "send->consume latency" + report);
    } finally {
      if (c != null) c.shutdown();
      p.shutdown();
    }
  }
}
