package rmqd.compat;

import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Consume N, shut the consumer down (it commits offsets), send M more, restart: only the M new ones. */
class OffsetResumeTest {
  static final int N = 100;
  static final int M = 50;

  @Test
  void offsetsResumeAfterClientRestart() throws Exception {
    String topic = Compat.unique("resume");
    String group = Compat.unique("cg");
    DefaultMQProducer p = Compat.producer(Compat.unique("pg"));
    try {
      Compat.createTopic(p, topic, 4);
      for (int i = 0; i < N; i++) {
        p.send(Compat.message(topic, topic, i));
      }
      Compat.Collector first = new Compat.Collector();
      DefaultMQPushConsumer c1 = Compat.pushConsumer(group, topic, first);
      try {
        first.awaitUnique(N, 60_000);
        Compat.sleep(300);
      } finally {
        c1.shutdown(); // persists consume offsets to the broker (UPDATE_CONSUMER_OFFSET)
      }
      assertEquals(N, first.all.size(), "first run deliveries");

      for (int i = N; i < N + M; i++) {
        p.send(Compat.message(topic, topic, i));
      }
      Compat.Collector second = new Compat.Collector();
      DefaultMQPushConsumer c2 = Compat.pushConsumer(group, topic, second);
      try {
        second.awaitUnique(M, 60_000);
        Compat.sleep(1500); // anything replayed from before the restart would arrive by now
      } finally {
        c2.shutdown();
      }
      for (MessageExt m : second.all) {
        assertTrue(Compat.seqOf(m) >= N, "re-delivered an already consumed message, seq " + Compat.seqOf(m));
        Compat.assertSameContent(topic, topic, m);
      }
      // The Java oracle shows no duplicates here, so none are allowed.
      assertEquals(M, second.all.size(), "second run deliveries");
    } finally {
      p.shutdown();
    }
  }
}
