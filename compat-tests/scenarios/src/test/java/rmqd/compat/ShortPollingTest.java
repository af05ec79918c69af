package rmqd.compat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.consumer.PullStatus;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Short polling (run.sh phase "shortpoll": a broker with longPollingEnable=false, shortPollingTimeMills
 * left at its default 1000). Java 4.9.7 facts this asserts:
 *  - a suspended pull on an empty queue is held for shortPollingTimeMills, not for the client's
 *    suspend time, then answered PULL_NOT_FOUND (NO_NEW_MSG). PullRequestHoldService checks held pulls
 *    once per shortPollingTimeMills, so the answer comes at the first check after the hold has run out:
 *    between 1 and 2 periods after the pull;
 *  - a message stored meanwhile does not wake the held pull (the store's arrival listener is only
 *    called with longPollingEnable=true); the next periodic check finds it. A pull issued right after
 *    an answer (i.e. just after a check) and a message sent 100 ms later therefore arrive about
 *    900 ms after the send, on the Java broker as on rmqd.
 */
@Tag(Compat.TAG_SHORTPOLL)
class ShortPollingTest {
  static final long SHORT_POLLING_MS = 1000;
  /** The client's suspend time: far longer than the short polling time. */
  static final long CLIENT_SUSPEND_MS = 15_000;

  @Test
  void emptyPullIsHeldForShortPollingTimeAndArrivalDoesNotWakeIt() throws Exception {
    String topic = Compat.unique("spoll");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    DefaultMQPullConsumer c = new DefaultMQPullConsumer(Compat.unique("cg"));
    c.setNamesrvAddr(Compat.namesrv());
    c.setInstanceName(Compat.unique("inst"));
    c.setBrokerSuspendMaxTimeMillis(CLIENT_SUSPEND_MS);
    c.setConsumerTimeoutMillisWhenSuspend(30_000);
    try {
      Compat.createTopic(p, topic, 1);
      c.start();
      MessageQueue mq = new MessageQueue(topic, "broker-a", 0);
      StringBuilder report = new StringBuilder("empty:");
      for (int i = 0; i < 3; i++) {
        long t0 = System.currentTimeMillis();
        PullResult none = c.pullBlockIfNotFound(mq, "*", 0, 32);
        long waited = System.currentTimeMillis() - t0;
        report.append(' ').append(waited).append("ms");
        assertEquals(PullStatus.NO_NEW_MSG, none.getPullStatus());
        assertTrue(waited >= SHORT_POLLING_MS - 100 && waited <= 2 * SHORT_POLLING_MS + 1000,
            "empty pull answered after " + waited + " ms (short polling " + SHORT_POLLING_MS + " ms, client suspend "
                + CLIENT_SUSPEND_MS + " ms)");
      }
      report.append("; send->pull answer:");
      List<Long> latencies = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        final long offset = i;
        CompletableFuture<PullResult> got = CompletableFuture.supplyAsync(() -> {
          try {
            return c.pullBlockIfNotFound(mq, "*", offset, 32);
          } catch (Exception e) {
            throw new RuntimeException(e);
          }
        });
        Compat.sleep(100);  // the pull is held by now
        long sentAt = System.currentTimeMillis();
        p.send(Compat.message(topic, topic, i), mq);
        PullResult r = got.get();
        long latency = System.currentTimeMillis() - sentAt;
        report.append(' ').append(latency).append("ms");
        assertEquals(PullStatus.FOUND, r.getPullStatus(), "pull from offset " + i);
        assertEquals(1, r.getMsgFoundList().size(), "messages found from offset " + i);
        Compat.assertSameContent(topic, topic, r.getMsgFoundList().get(0));
        assertEquals(i, Compat.seqOf(r.getMsgFoundList().get(0)));
        assertTrue(latency <= 2 * SHORT_POLLING_MS + 1000, "message answered " + latency + " ms after the send");
        latencies.add(latency);
      }
      System.out.println("compat: short polling (" + Compat.clientTag() + ") " + report);
      Collections.sort(latencies);
      // With long polling the answer would follow the send within milliseconds.
      assertTrue(latencies.get(1) >= 300, "held pulls woken by arrival: " + report);
    } finally {
      c.shutdown();
      p.shutdown();
    }
  }
}
